//! Which model file an SMPL node needs: the `smplx` package's layout
//! `<root>/<model_type>/<MODEL>_<GENDER>.npz` (SMPL-H has no neutral model: female, as smplx does).

use meshcast_protocol::{SmplModelType, Value};
use meshcast_scene::opt;
use meshcast_scene::Node;

/// A body model's gender (the `gender` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gender {
    /// `"neutral"` (the default).
    Neutral,
    /// `"male"`.
    Male,
    /// `"female"`.
    Female,
}

impl Gender {
    /// Parses the option value (`None` for anything else).
    pub fn parse(s: &str) -> Option<Gender> {
        match s {
            "neutral" => Some(Gender::Neutral),
            "male" => Some(Gender::Male),
            "female" => Some(Gender::Female),
            _ => None,
        }
    }

    /// The upper-case file-name part (`NEUTRAL`, `MALE`, `FEMALE`).
    pub fn file_part(self) -> &'static str {
        match self {
            Gender::Neutral => "NEUTRAL",
            Gender::Male => "MALE",
            Gender::Female => "FEMALE",
        }
    }
}

/// One model file: model type and gender, after smplx's neutral→female rule for SMPL-H.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelFile {
    /// SMPL, SMPL-H or SMPL-X.
    pub model_type: SmplModelType,
    /// The gender whose file is used.
    pub gender: Gender,
}

impl ModelFile {
    /// The file for `model_type` and `gender`; SMPL-H has no neutral model and uses the female
    /// one (as `smplx.create` does).
    pub fn new(model_type: SmplModelType, gender: Gender) -> ModelFile {
        let gender = match (model_type, gender) {
            (SmplModelType::SmplH, Gender::Neutral) => Gender::Female,
            (_, g) => g,
        };
        ModelFile { model_type, gender }
    }

    /// The file an SMPL node needs (its `model_type` and `gender` options, defaults "smpl" and
    /// "neutral"); `None` for other kinds or values the protocol would have rejected.
    pub fn of(node: &Node) -> Option<ModelFile> {
        if node.kind() != meshcast_protocol::NodeKind::Smpl {
            return None;
        }
        let opt = |name: &str, default: &'static str| {
            node.option(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| default.to_owned())
        };
        let model_type = SmplModelType::parse(&opt(opt::MODEL_TYPE, "smpl"))?;
        let gender = Gender::parse(&opt("gender", "neutral"))?;
        Some(ModelFile::new(model_type, gender))
    }

    /// The path relative to the models folder, e.g. `smpl/SMPL_NEUTRAL.npz`,
    /// `smplh/SMPLH_FEMALE.npz`, `smplx/SMPLX_MALE.npz`.
    pub fn path(&self) -> String {
        let dir = self.model_type.as_str();
        format!("{dir}/{}_{}.npz", dir.to_uppercase(), self.gender.file_part())
    }

    /// The URL path the relay serves it at: `/models/` + [`ModelFile::path`].
    pub fn url_path(&self) -> String {
        format!("/models/{}", self.path())
    }

    /// Its URL on the relay whose viewer WebSocket is `relay_url`:
    /// `ws(s)://host:port/viewer?q` gives `http(s)://host:port/models/<path>?q` (an access
    /// token in the query travels along).
    pub fn url_on(&self, relay_url: &str) -> String {
        let url = relay_url
            .strip_prefix("wss://")
            .map(|r| format!("https://{r}"))
            .or_else(|| relay_url.strip_prefix("ws://").map(|r| format!("http://{r}")))
            .unwrap_or_else(|| relay_url.to_owned());
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url.as_str(), None),
        };
        let base = base.trim_end_matches('/');
        let base = base
            .strip_suffix(meshcast_protocol::VIEWER_PATH)
            .unwrap_or(base)
            .trim_end_matches('/');
        match query {
            Some(q) => format!("{base}{}?{q}", self.url_path()),
            None => format!("{base}{}", self.url_path()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_smplx_layout() {
        let f = |t, g| ModelFile::new(t, g).path();
        assert_eq!(f(SmplModelType::Smpl, Gender::Neutral), "smpl/SMPL_NEUTRAL.npz");
        assert_eq!(f(SmplModelType::Smpl, Gender::Male), "smpl/SMPL_MALE.npz");
        assert_eq!(f(SmplModelType::SmplH, Gender::Neutral), "smplh/SMPLH_FEMALE.npz");
        assert_eq!(f(SmplModelType::SmplH, Gender::Male), "smplh/SMPLH_MALE.npz");
        assert_eq!(f(SmplModelType::SmplX, Gender::Female), "smplx/SMPLX_FEMALE.npz");
        assert_eq!(
            ModelFile::new(SmplModelType::SmplX, Gender::Neutral).url_path(),
            "/models/smplx/SMPLX_NEUTRAL.npz"
        );
        assert_eq!(Gender::parse("other"), None);
        let f = ModelFile::new(SmplModelType::Smpl, Gender::Neutral);
        assert_eq!(
            f.url_on("ws://127.0.0.1:8417/viewer"),
            "http://127.0.0.1:8417/models/smpl/SMPL_NEUTRAL.npz"
        );
        assert_eq!(
            f.url_on("wss://h:9/viewer?token=abc"),
            "https://h:9/models/smpl/SMPL_NEUTRAL.npz?token=abc"
        );
        assert_eq!(f.url_on("ws://h:9"), "http://h:9/models/smpl/SMPL_NEUTRAL.npz");
    }
}

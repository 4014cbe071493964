//! A ZIP archive of stored (uncompressed) files: the page's PNG frames in one download (PNG is
//! compressed already). Local headers, the data, a central directory and its end record, with
//! CRC-32s; no ZIP64, so at most 65,535 files of under 4 GiB each.

/// Why a file could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    /// More than 65,535 files.
    #[error("a ZIP archive without ZIP64 holds at most 65535 files")]
    TooManyFiles,
    /// A file, or the archive, reaches 4 GiB.
    #[error("{0} is too large for a ZIP archive without ZIP64 (4 GiB)")]
    TooLarge(String),
}

/// A ZIP archive being written in memory.
#[derive(Debug, Default, Clone)]
pub struct ZipWriter {
    data: Vec<u8>,
    central: Vec<u8>,
    files: u16,
}

/// DOS date of 1980-01-01 (the format's epoch: the files get no real date).
const DOS_DATE: u16 = (1 << 5) | 1;

impl ZipWriter {
    /// An empty archive.
    pub fn new() -> ZipWriter {
        ZipWriter::default()
    }

    /// Files added so far.
    pub fn len(&self) -> usize {
        usize::from(self.files)
    }

    /// No files yet.
    pub fn is_empty(&self) -> bool {
        self.files == 0
    }

    /// Adds `bytes` as `name`, stored.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), ZipError> {
        let files = self.files.checked_add(1).ok_or(ZipError::TooManyFiles)?;
        let too_large = || ZipError::TooLarge(name.to_owned());
        let size = u32::try_from(bytes.len()).map_err(|_| too_large())?;
        let offset = u32::try_from(self.data.len()).map_err(|_| too_large())?;
        let name_len = u16::try_from(name.len()).map_err(|_| too_large())?;
        let crc = crc32fast::hash(bytes);
        // The fields local and central headers share: version needed, flags (bit 11: UTF-8
        // name), method (0: stored), time, date, CRC, sizes, name length, extra length.
        let mut common = Vec::with_capacity(26);
        for v in [20u16, 1 << 11, 0, 0, DOS_DATE] {
            common.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            common.extend_from_slice(&v.to_le_bytes());
        }
        common.extend_from_slice(&name_len.to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes());

        self.data.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        self.data.extend_from_slice(&common);
        self.data.extend_from_slice(name.as_bytes());
        self.data.extend_from_slice(bytes);
        if u32::try_from(self.data.len()).is_err() {
            return Err(too_large());
        }

        self.central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        self.central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        self.central.extend_from_slice(&common);
        // Comment length, disk number, internal and external attributes, local header offset.
        for v in [0u16, 0, 0] {
            self.central.extend_from_slice(&v.to_le_bytes());
        }
        self.central.extend_from_slice(&0u32.to_le_bytes());
        self.central.extend_from_slice(&offset.to_le_bytes());
        self.central.extend_from_slice(name.as_bytes());
        self.files = files;
        Ok(())
    }

    /// The archive's bytes.
    pub fn finish(self) -> Result<Vec<u8>, ZipError> {
        let too_large = || ZipError::TooLarge("the archive".to_owned());
        let dir_offset = u32::try_from(self.data.len()).map_err(|_| too_large())?;
        let dir_size = u32::try_from(self.central.len()).map_err(|_| too_large())?;
        let mut out = self.data;
        out.extend_from_slice(&self.central);
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        for v in [0u16, 0, self.files, self.files] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&dir_size.to_le_bytes());
        out.extend_from_slice(&dir_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_le_bytes([b[i], b[i + 1]])
    }

    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_le_bytes(b[i..i + 4].try_into().unwrap())
    }

    /// Reads the archive back through its central directory: `(name, bytes)` per file, each
    /// CRC checked.
    fn read(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        let end = zip.len() - 22;
        assert_eq!(u32_at(zip, end), 0x0605_4b50);
        let n = usize::from(u16_at(zip, end + 10));
        let mut at = u32_at(zip, end + 16) as usize;
        let mut out = Vec::new();
        for _ in 0..n {
            assert_eq!(u32_at(zip, at), 0x0201_4b50);
            let name_len = usize::from(u16_at(zip, at + 28));
            let local = u32_at(zip, at + 42) as usize;
            let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
            assert_eq!(u32_at(zip, local), 0x0403_4b50);
            assert_eq!(u16_at(zip, local + 8), 0, "stored");
            let size = u32_at(zip, local + 18) as usize;
            let start = local + 30 + usize::from(u16_at(zip, local + 26));
            let data = zip[start..start + size].to_vec();
            assert_eq!(u32_at(zip, local + 14), crc32fast::hash(&data));
            out.push((name, data));
            at += 46 + name_len;
        }
        out
    }

    #[test]
    fn files_read_back_through_the_central_directory() {
        let mut z = ZipWriter::new();
        assert!(z.is_empty());
        z.add("frame00000.png", b"first").unwrap();
        z.add("frame00001.png", &[7u8; 1000]).unwrap();
        assert_eq!(z.len(), 2);
        let files = read(&z.finish().unwrap());
        assert_eq!(files.len(), 2);
        assert_eq!(files[0], ("frame00000.png".to_owned(), b"first".to_vec()));
        assert_eq!(files[1].0, "frame00001.png");
        assert_eq!(files[1].1, vec![7u8; 1000]);
    }

    #[test]
    fn an_empty_archive_is_just_the_end_record() {
        let zip = ZipWriter::new().finish().unwrap();
        assert_eq!(zip.len(), 22);
        assert!(read(&zip).is_empty());
    }

    #[test]
    fn at_most_65535_files() {
        let mut z = ZipWriter::new();
        for i in 0..65_535 {
            z.add(&format!("{i}"), &[]).unwrap();
        }
        assert_eq!(z.add("one more", &[]), Err(ZipError::TooManyFiles));
    }
}

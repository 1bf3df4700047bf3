//! JSON output: one document `{"schema_version", "observations": [...],
//! "summary": {...}}`, streamed element by element so memory stays flat.

use std::io::{self, BufWriter, Write};

use super::{ObservationRecord, ScanWriter};
use crate::observation::SCHEMA_VERSION;
use crate::scan::summary::ScanSummary;

/// Writes one JSON document incrementally.
pub struct JsonWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    written: u64,
}

impl JsonWriter {
    /// A writer over `out`.
    pub fn new(out: Box<dyn Write + Send>) -> JsonWriter {
        JsonWriter {
            out: BufWriter::new(out),
            written: 0,
        }
    }

    fn open(&mut self) -> io::Result<()> {
        write!(
            self.out,
            "{{\"schema_version\":{SCHEMA_VERSION},\"observations\":["
        )
    }
}

impl ScanWriter for JsonWriter {
    fn observation(&mut self, record: &ObservationRecord<'_>) -> io::Result<()> {
        if self.written == 0 {
            self.open()?;
        } else {
            self.out.write_all(b",")?;
        }
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, record)?;
        self.written += 1;
        Ok(())
    }

    fn finish(&mut self, summary: &ScanSummary) -> io::Result<()> {
        if self.written == 0 {
            self.open()?;
        }
        self.out.write_all(b"\n],\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()
    }
}

mod at_rest;
mod scan_file;

pub use scan_file::{import, ImportRefusal};

//! Compressed MusicXML (`.mxl`): a zip container whose `META-INF/container.xml` names the
//! score file inside.
//!
//! Reading guards against zip bombs: the container's size, number of entries, the score's
//! declared and actual uncompressed size and its compression ratio are all bounded (see
//! [`crate::formats::limits`]). Writing produces the layout the MusicXML 4.0 specification
//! asks for: an uncompressed `mimetype` entry first, then `META-INF/container.xml`, then the
//! deflated score.
//!
//! ```
//! use bandpro_music::formats::mxl;
//! use bandpro_music::{ScoreView, SimpleScore};
//!
//! let score = SimpleScore::from_text("2/4", "D major", &[("violin", &["D5 F#5 | A5:2"])])?;
//! let bytes = mxl::write(&score);
//! assert!(bytes.starts_with(b"PK"));
//! let (back, _) = mxl::read(&bytes)?;
//! assert_eq!(back.measure_count(), 2);
//! # Ok::<(), bandpro_music::Error>(())
//! ```

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::error::{Error, FilePosition, Result};
use crate::formats::limits;
use crate::formats::report::{ImportReport, Metadata};
use crate::formats::{musicxml, xml};
use crate::score_model::SimpleScore;
use crate::view::ScoreView;

const FORMAT: &str = "MXL";
const CONTAINER: &str = "META-INF/container.xml";
const MIMETYPE: &str = "application/vnd.recordare.musicxml";

fn zip_err(e: zip::result::ZipError) -> Error {
    Error::Format {
        format: FORMAT,
        position: FilePosition::Unknown,
        message: format!("broken zip container: {e}"),
    }
}

fn in_entry(name: &str, e: Error) -> Error {
    match e {
        Error::Format { format, position, message } => Error::Format {
            format,
            position: FilePosition::Entry { name: name.to_string(), inner: Box::new(position) },
            message,
        },
        Error::LimitExceeded { format, position, what, limit } => Error::LimitExceeded {
            format,
            position: FilePosition::Entry { name: name.to_string(), inner: Box::new(position) },
            what,
            limit,
        },
        other => other,
    }
}

/// Read one entry, refusing to inflate more than the limits allow.
fn read_entry(archive: &mut ZipArchive<Cursor<&[u8]>>, index: usize) -> Result<(String, Vec<u8>)> {
    let entry = archive.by_index(index).map_err(zip_err)?;
    let name = entry.name().map_err(zip_err)?.into_owned();
    let limit = limits::MAX_XML_BYTES;
    let too_big = |what| Error::LimitExceeded {
        format: FORMAT,
        position: FilePosition::Entry { name: name.clone(), inner: Box::new(FilePosition::Unknown) },
        what,
        limit: if what == "uncompressed bytes" { limit } else { limits::MAX_MXL_RATIO },
    };
    if entry.size() > limit {
        return Err(too_big("uncompressed bytes"));
    }
    let max_by_ratio = entry.compressed_size().saturating_mul(limits::MAX_MXL_RATIO).max(64 << 10);
    if entry.size() > max_by_ratio {
        return Err(too_big("compression ratio"));
    }
    // The declared size may lie: bound what is actually inflated too.
    let cap = limit.min(max_by_ratio);
    let mut data = Vec::with_capacity(entry.size().min(cap) as usize);
    let mut limited = entry.take(cap + 1);
    limited.read_to_end(&mut data).map_err(|e| Error::Format {
        format: FORMAT,
        position: FilePosition::Entry { name: name.clone(), inner: Box::new(FilePosition::Unknown) },
        message: format!("cannot inflate entry: {e}"),
    })?;
    if data.len() as u64 > cap {
        return Err(too_big(if cap == limit { "uncompressed bytes" } else { "compression ratio" }));
    }
    Ok((name, data))
}

/// Read a compressed MusicXML file (`.mxl`).
///
/// The score is the first `rootfile` of `META-INF/container.xml`; a container without one falls
/// back to the first `.xml`/`.musicxml` entry outside `META-INF` (with a warning). Errors name
/// the entry and the position inside it.
pub fn read(bytes: &[u8]) -> Result<(SimpleScore, ImportReport)> {
    if bytes.len() as u64 > limits::MAX_MXL_BYTES {
        return Err(Error::LimitExceeded {
            format: FORMAT,
            position: FilePosition::Byte(limits::MAX_MXL_BYTES),
            what: "input bytes",
            limit: limits::MAX_MXL_BYTES,
        });
    }
    if !bytes.starts_with(b"PK") {
        return Err(Error::Format {
            format: FORMAT,
            position: FilePosition::Byte(0),
            message: "not a zip container (an .mxl file starts with `PK`)".into(),
        });
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(zip_err)?;
    if archive.len() > limits::MAX_MXL_ENTRIES {
        return Err(Error::LimitExceeded {
            format: FORMAT,
            position: FilePosition::Unknown,
            what: "zip entries",
            limit: limits::MAX_MXL_ENTRIES as u64,
        });
    }
    let mut warnings = Vec::new();
    let score_name = match archive.index_for_name(CONTAINER) {
        Some(i) => {
            let (_, data) = read_entry(&mut archive, i)?;
            let text = xml::decode(&data, FORMAT).map_err(|e| in_entry(CONTAINER, e))?;
            let doc = xml::parse(&text, FORMAT).map_err(|e| in_entry(CONTAINER, e))?;
            let root = doc.root();
            let rootfile = root
                .child("rootfiles")
                .and_then(|r| {
                    r.children().filter(|c| c.name() == "rootfile").find(|c| {
                        c.attr("media-type").is_none_or(|m| m == "application/vnd.recordare.musicxml+xml")
                    })
                })
                .and_then(|r| r.attr("full-path"))
                .map(String::from);
            match rootfile {
                Some(path) => path,
                None => {
                    return Err(Error::Format {
                        format: FORMAT,
                        position: FilePosition::Entry {
                            name: CONTAINER.into(),
                            inner: Box::new(xml::line_col(&text, root.pos())),
                        },
                        message: "no MusicXML `<rootfile>` in the container".into(),
                    });
                }
            }
        }
        None => {
            let name = archive
                .file_names()
                .filter_map(|n| n.ok())
                .find(|n| !n.starts_with("META-INF") && (n.ends_with(".xml") || n.ends_with(".musicxml")))
                .map(|n| n.into_owned());
            warnings.push("no META-INF/container.xml; the first MusicXML entry was read".to_string());
            name.ok_or_else(|| Error::Format {
                format: FORMAT,
                position: FilePosition::Unknown,
                message: "no META-INF/container.xml and no MusicXML entry".into(),
            })?
        }
    };
    let index = archive.index_for_name(&score_name).ok_or_else(|| Error::Format {
        format: FORMAT,
        position: FilePosition::Entry { name: CONTAINER.into(), inner: Box::new(FilePosition::Unknown) },
        message: format!("the container names `{score_name}`, which is not in the archive"),
    })?;
    let (_, data) = read_entry(&mut archive, index)?;
    let (score, mut report) = musicxml::read_as(&data, FORMAT).map_err(|e| in_entry(&score_name, e))?;
    for w in warnings {
        report.warn(|| FilePosition::Unknown, w);
    }
    Ok((score, report))
}

/// Write a score as compressed MusicXML 4.0 (`.mxl`).
pub fn write(score: &dyn ScoreView) -> Vec<u8> {
    write_with(score, &Metadata::default())
}

/// Write a score as compressed MusicXML 4.0, with [`Metadata`].
pub fn write_with(score: &dyn ScoreView, metadata: &Metadata) -> Vec<u8> {
    let xml_text = musicxml::write_with(score, metadata);
    let container = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container>\n  <rootfiles>\n    <rootfile full-path=\"score.musicxml\" media-type=\"application/vnd.recordare.musicxml+xml\"/>\n  </rootfiles>\n</container>\n";
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    // Writing to memory cannot fail for I/O reasons; the zip writer only fails on misuse.
    let result: zip::result::ZipResult<Vec<u8>> = (|| {
        zip.start_file("mimetype", stored)?;
        zip.write_all(MIMETYPE.as_bytes())?;
        zip.start_file(CONTAINER, deflated)?;
        zip.write_all(container.as_bytes())?;
        zip.start_file("score.musicxml", deflated)?;
        zip.write_all(xml_text.as_bytes())?;
        Ok(zip.finish()?.into_inner())
    })();
    result.expect("writing a zip archive to memory")
}

//! Any bytes as a compressed MusicXML (.mxl) archive: a typed error (zip bombs and oversized
//! entries included), or a score.
#![no_main]

use bandpro_music::formats::mxl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mxl::read(data);
});

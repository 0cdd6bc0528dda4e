//! Any bytes as MusicXML: a typed error, or a score that exports and reads back.
#![no_main]

use bandpro_music::formats::musicxml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((score, _report)) = musicxml::read(data) {
        let written = musicxml::write(&score);
        musicxml::read(written.as_bytes()).expect("our own export reads back");
    }
});

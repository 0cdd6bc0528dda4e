//! Any bytes as a Standard MIDI File: a typed error, or a score that writes back to MIDI.
#![no_main]

use bandpro_music::formats::midi;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((score, _report)) = midi::read(data) {
        let bytes = midi::write(&score);
        midi::read(&bytes).expect("our own export reads back");
    }
});

//! Any text as an ABC tune book: a typed error with line and column, or tunes that write back
//! to ABC and read again.
#![no_main]

use bandpro_music::formats::abc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(book) = abc::read_book(text) {
        for (score, _report) in book.iter().take(4) {
            let written = abc::write(score);
            let _ = abc::read(&written);
        }
    }
});

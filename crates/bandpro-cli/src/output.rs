//! How results reach people and programs: aligned text, coloured only on a terminal, or JSON
//! only; progress on stderr only when it is a terminal.

use std::io::{IsTerminal, Write};

use serde::Serialize;

/// Where and how a command prints.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// Print JSON only.
    pub json: bool,
    /// Colour text (stdout is a terminal and `NO_COLOR` is unset).
    pub color: bool,
}

/// Colours used in text output.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// Hashes.
    Hash,
    /// Errors, deletions, clashes.
    Bad,
    /// Warnings.
    Warn,
    /// Additions, success.
    Good,
    /// Headings and names.
    Bold,
    /// Secondary details.
    Dim,
}

impl Out {
    /// Output settings for this process.
    pub fn detect(json: bool) -> Out {
        let color = !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Out { json, color }
    }

    /// `text` in a style, if colouring.
    pub fn paint(&self, style: Style, text: impl AsRef<str>) -> String {
        let text = text.as_ref();
        if !self.color {
            return text.to_owned();
        }
        let code = match style {
            Style::Hash => "33",
            Style::Bad => "31",
            Style::Warn => "35",
            Style::Good => "32",
            Style::Bold => "1",
            Style::Dim => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// Prints a line of text (nothing in JSON mode).
    pub fn line(&self, text: impl AsRef<str>) {
        if !self.json {
            println!("{}", text.as_ref());
        }
    }

    /// Prints a value as JSON (only in JSON mode).
    pub fn json<T: Serialize>(&self, value: &T) {
        if self.json {
            let text = serde_json::to_string_pretty(value).expect("our JSON values always serialise");
            println!("{text}");
        }
    }

    /// Prints rows as columns aligned on the widest cell; the last column is not padded.
    /// Cells may hold colour codes: widths count visible characters.
    pub fn table(&self, rows: &[Vec<String>]) {
        if self.json {
            return;
        }
        let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; cols];
        for row in rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(visible_len(cell));
            }
        }
        for row in rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < row.len() {
                    line.extend(std::iter::repeat_n(' ', widths[i] - visible_len(cell) + 2));
                }
            }
            println!("{}", line.trim_end());
        }
    }
}

/// Characters a terminal shows (colour codes excluded).
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_code = false;
    for c in s.chars() {
        match (in_code, c) {
            (false, '\x1b') => in_code = true,
            (true, 'm') => in_code = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// Progress of a long operation, on stderr, shown only when stderr is a terminal.
#[derive(Debug)]
pub struct Progress {
    shown: bool,
}

impl Progress {
    /// Progress reporting for this process.
    pub fn new() -> Progress {
        Progress { shown: std::io::stderr().is_terminal() }
    }

    /// Says what is being done now.
    pub fn step(&self, what: &str) {
        if self.shown {
            let mut err = std::io::stderr();
            let _ = write!(err, "\r\x1b[K{what}...");
            let _ = err.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.shown {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}

/// A time in ms since the Unix epoch as `YYYY-MM-DD HH:MM` UTC.
pub fn date(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date(0), "1970-01-01 00:00");
        assert_eq!(date(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(date(1_735_689_599_000), "2024-12-31 23:59");
    }

    #[test]
    fn colour_codes_take_no_width() {
        assert_eq!(visible_len("\x1b[31mabc\x1b[0m"), 3);
    }
}

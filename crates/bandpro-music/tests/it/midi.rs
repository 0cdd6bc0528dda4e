//! Standard MIDI Files: round trips of quantised scores (with pickups), voice and staff
//! splitting, type 0, quantisation of played files, key detection and broken input.

use bandpro_music::formats::midi::{self, MidiOptions};
use bandpro_music::*;
use midly::num::{u4, u7, u15, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

/// Measure lengths as played: a pickup lasts as long as its longest voice.
fn played_length(score: &SimpleScore, m: usize) -> Rational {
    let info = score.measure(m);
    let end = (0..score.part_count())
        .flat_map(|p| (0..score.voice_count(p, m)).flat_map(move |v| score.events(p, m, v)))
        .map(Event::end)
        .max()
        .unwrap_or(Rational::ZERO);
    if info.pickup && end.is_positive() { end } else { info.time.length() }
}

/// What MIDI keeps of a part: sounding notes (ties merged) with exact onsets and durations.
fn played(score: &SimpleScore, p: usize) -> Vec<(Rational, Rational, i32)> {
    let mut start = Rational::ZERO;
    let mut notes: Vec<(Rational, Rational, i32)> = Vec::new();
    for m in 0..score.measure_count() {
        let mut events: Vec<&Event> =
            (0..score.voice_count(p, m)).flat_map(|v| score.events(p, m, v)).collect();
        events.sort_by_key(|e| e.onset);
        for e in events {
            for n in e.notes() {
                let (on, key) = (start + e.onset, n.pitch.midi());
                if n.tie.stops()
                    && let Some(prev) = notes.iter_mut().rev().find(|x| x.2 == key && x.0 + x.1 == on)
                {
                    prev.1 += e.duration;
                    continue;
                }
                notes.push((on, e.duration, key));
            }
        }
        start += played_length(score, m);
    }
    notes.sort();
    notes
}

fn round_trip(score: &SimpleScore) -> SimpleScore {
    let bytes = midi::write(score);
    let (back, report) = midi::read(&bytes).unwrap();
    assert_eq!(report.version.as_deref(), Some("1"));
    assert_eq!(back.part_count(), score.part_count());
    assert_eq!(back.measure_count(), score.measure_count());
    for m in 0..score.measure_count() {
        // A partial measure after the first reads back differently: see
        // `partial_measures_after_the_first_keep_their_barlines`.
        if m > 0 && score.measure(m).pickup {
            continue;
        }
        assert_eq!(back.measure(m).time, score.measure(m).time, "measure {m}");
        assert_eq!(back.measure(m).pickup, score.measure(m).pickup, "measure {m}");
        assert_eq!(back.measure(m).key.fifths(), score.measure(m).key.fifths(), "measure {m}");
    }
    for p in 0..score.part_count() {
        assert_eq!(played(&back, p), played(score, p), "part {p}");
    }
    back
}

#[test]
fn quantised_scores_round_trip_exactly() {
    let score = SimpleScore::from_text(
        "4/4",
        "G major",
        &[
            ("flute", &["D5:4. C5:8 (3 B4:8 A4 G4 ) A4:4 | G4:2~ G4:8 r:8 F#5:16 G5 A5 B5 | C6+E6:2 r:2"]),
            ("cello", &["G2:1 | D3:2. r:4 | G2:4 r:4 D3:8 r:8 G2:4"]),
        ],
    )
    .unwrap();
    let back = round_trip(&score);
    // Spelling is re-derived from the key: F#, not Gb, in G major.
    assert_eq!(back.events(0, 1, 0)[2].notes()[0].pitch.to_string(), "F#5");
    assert_eq!(back.part(1).instrument.map(|i| i.id), Some("cello"));
    assert_eq!(back.part(0).name, "Flute");

    // Compound and changing meters, a tempo, a key change.
    let mut score = SimpleScore::from_text(
        "6/8",
        "D major",
        &[("violin", &["D5:8 E5 F#5 G5:4. | A5:4. r:4. | B5:8 C#6 D6 A5:4."])],
    )
    .unwrap();
    score.measure_mut(0).unwrap().tempo =
        Some(Tempo { beat: Rational::new(3, 8), bpm: Rational::from_int(60) });
    score.set_key_from(2, "A major".parse().unwrap());
    let back = round_trip(&score);
    assert_eq!(back.measure(0).tempo.unwrap().quarter_bpm(), Rational::from_int(90));
    assert_eq!(back.measure(2).key.to_string(), "A major");
}

#[test]
fn voices_are_monophonic_or_chordal_and_piano_splits_by_pitch() {
    let score = SimpleScore::from_text(
        "3/4",
        "C major",
        &[("piano", &["E5:2 D5:4 | C5+E5:2.", "C4:4 B3:4 A3:4 | G3:2 C3:4"])],
    )
    .unwrap();
    let bytes = midi::write(&score);
    let (back, _) = midi::read(&bytes).unwrap();
    assert_eq!(back.part(0).staves, 2);
    // Every voice is monophonic or chordal: no overlapping events.
    for m in 0..back.measure_count() {
        for v in 0..back.voice_count(0, m) {
            let evs = back.events(0, m, v);
            for w in evs.windows(2) {
                assert!(w[0].end() <= w[1].onset, "overlap in measure {m} voice {v}");
            }
            let staves: std::collections::HashSet<u8> =
                evs.iter().filter(|e| !e.is_rest()).map(|e| e.staff).collect();
            assert!(staves.len() <= 1, "a voice stays on one staff");
        }
    }
    // Notes from middle C up are on the upper staff.
    for m in 0..back.measure_count() {
        for v in 0..back.voice_count(0, m) {
            for e in back.events(0, m, v) {
                for n in e.notes() {
                    assert_eq!(e.staff, u8::from(n.pitch.midi() < 60), "{}", n.pitch);
                }
            }
        }
    }
    // Without the split, one staff.
    let (flat, _) =
        midi::read_with(&bytes, &MidiOptions { split_piano: false, ..MidiOptions::default() }).unwrap();
    assert_eq!(flat.part(0).staves, 1);
}

fn ev(delta: u32, kind: TrackEventKind<'static>) -> TrackEvent<'static> {
    TrackEvent { delta: u28::new(delta), kind }
}

fn note(ch: u8, key: u8, on: bool) -> TrackEventKind<'static> {
    let (key, vel) = (u7::new(key), u7::new(if on { 90 } else { 0 }));
    TrackEventKind::Midi {
        channel: u4::new(ch),
        message: if on { MidiMessage::NoteOn { key, vel } } else { MidiMessage::NoteOff { key, vel } },
    }
}

fn smf(format: Format, tracks: Vec<Vec<TrackEvent<'static>>>) -> Vec<u8> {
    let smf = Smf { header: Header::new(format, Timing::Metrical(u15::new(480))), tracks };
    let mut out = Vec::new();
    smf.write_std(&mut out).unwrap();
    out
}

#[test]
fn type_0_channels_become_parts_and_played_timing_is_quantised() {
    // Channel 0 plays D minor scale steps slightly off the beat; channel 1 a bass line.
    let mut t = Vec::new();
    t.push(ev(0, TrackEventKind::Meta(MetaMessage::TimeSignature(3, 2, 24, 8))));
    let melody = [62u8, 64, 65, 67, 69, 70, 61, 62];
    let jitter = [0i32, 7, -9, 12, -5, 3, -11, 6];
    let mut events: Vec<(i64, TrackEventKind<'static>)> = Vec::new();
    for (i, (&k, &j)) in melody.iter().zip(&jitter).enumerate() {
        let on = i as i64 * 240 + j as i64 + 20;
        events.push((on.max(0), note(0, k, true)));
        events.push((on + 200, note(0, k, false)));
    }
    for i in 0..2 {
        events.push((i * 1440, note(1, 50, true)));
        events.push((i * 1440 + 1400, note(1, 50, false)));
    }
    events.sort_by_key(|e| e.0);
    let mut last = 0;
    for (at, k) in events {
        t.push(ev((at - last) as u32, k));
        last = at;
    }
    t.push(ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)));
    let bytes = smf(Format::SingleTrack, vec![t]);
    let (score, report) = midi::read(&bytes).unwrap();
    assert_eq!(report.version.as_deref(), Some("0"));
    assert_eq!(score.part_count(), 2);
    assert_eq!(score.measure(0).time.to_string(), "3/4");
    // Quantised to eighths: the played notes land on the grid.
    let notes: Vec<(Rational, Rational)> =
        score.events(0, 0, 0).iter().filter(|e| !e.is_rest()).map(|e| (e.onset, e.duration)).collect();
    assert_eq!(notes[1], (Rational::new(1, 8), Rational::new(1, 8)));
    // No key signature in the file: the key is detected (D minor), and C# is spelled for it.
    assert_eq!(score.measure(0).key.to_string(), "D minor");
    let c_sharp =
        score.events(0, 1, 0).iter().flat_map(|e| e.notes()).find(|n| n.pitch.midi() == 61).unwrap();
    assert_eq!(c_sharp.pitch.to_string(), "C#4");
    // A fixed grid can be asked for.
    let (coarse, _) =
        midi::read_with(&bytes, &MidiOptions { grid: Some(Rational::new(1, 4)), ..MidiOptions::default() })
            .unwrap();
    assert!(coarse.events(0, 0, 0).iter().all(|e| (e.onset * Rational::from_int(4)).is_integer()));
}

#[test]
fn dynamics_become_velocities_and_back() {
    let mut score = SimpleScore::from_text("2/4", "C major", &[("oboe", &["C5 D5 | E5 F5"])]).unwrap();
    score.events_mut(0, 0, 0).unwrap()[0].dynamic = Some(Dynamic::P);
    score.events_mut(0, 1, 0).unwrap()[0].dynamic = Some(Dynamic::Ff);
    let (back, _) = midi::read(&midi::write(&score)).unwrap();
    assert_eq!(back.events(0, 0, 0)[0].dynamic, Some(Dynamic::P));
    assert_eq!(back.events(0, 0, 0)[1].dynamic, None);
    assert_eq!(back.events(0, 1, 0)[0].dynamic, Some(Dynamic::Ff));
}

/// The time signatures a file states, in order: (whole notes from the start, `n/d`).
fn time_signatures(bytes: &[u8]) -> Vec<(Rational, String)> {
    let smf = Smf::parse(bytes).unwrap();
    let tpq = match smf.header.timing {
        Timing::Metrical(t) => i64::from(t.as_int()),
        other => panic!("our files count in ticks per quarter, not {other:?}"),
    };
    let mut out = Vec::new();
    for track in &smf.tracks {
        let mut now = 0i64;
        for e in track {
            now += i64::from(e.delta.as_int());
            if let TrackEventKind::Meta(MetaMessage::TimeSignature(n, d, _, _)) = e.kind {
                out.push((Rational::new(now, 4 * tpq), format!("{n}/{}", 1u32 << d)));
            }
        }
    }
    out
}

/// An opening pickup is written as a measure whose time signature states its length, then the
/// real signature at the first barline, and reads back as a pickup in the real meter: the
/// measure count, time signatures, pickup flags and every note's pitch, onset and duration are
/// kept exactly.
#[test]
fn pickups_round_trip_exactly() {
    // Meter, key, parts, a later change of meter (measure, signature), and the signatures the
    // file states (whole notes from the start).
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a [&'a str])],
        Option<(usize, &'a str)>,
        &'a [(Rational, &'a str)],
    );
    let q = |n: i64, d: i64| Rational::new(n, d);
    let cases: &[Case<'_>] = &[
        // One beat in 4/4, two parts, the flute in two voices.
        (
            "4/4",
            "G major",
            &[
                ("flute", &["D5 | G5 F#5 E5 D5 | C5:2 B4:2 | A4:1", "B4 | B4:2 A4:2 | A4:2 G4:2 | F#4:1"]),
                ("cello", &["r | G2:1 | C3:2 D3:2 | D2:1"]),
            ],
            None,
            &[(q(0, 1), "1/4"), (q(1, 4), "4/4")],
        ),
        // An eighth in 6/8, tied over the first barline.
        (
            "6/8",
            "D major",
            &[
                ("violin", &["A4:8~ | A4:8 D5 F#5 A5:4 F#5:8 | G5:4. E5:4. | D5:4. r:4."]),
                ("viola", &["r:8 | F#4:4. A4:4. | B4:4. C#5:4. | D5:4. r:4."]),
            ],
            None,
            &[(q(0, 1), "1/8"), (q(1, 8), "6/8")],
        ),
        // A dotted quarter in 3/4: a piano in two voices (read back on two staves) and an oboe.
        (
            "3/4",
            "F major",
            &[
                ("piano", &["C5:4 D5:8 | F5+A5:2 E5:4 | F5+A5:2.", "r:4. | F3:2. | F2:2."]),
                ("oboe", &["C5:8 D5 E5 | F5:2 G5:4 | F5:2."]),
            ],
            None,
            &[(q(0, 1), "3/8"), (q(3, 8), "3/4")],
        ),
        // Three sixteenths in 4/4; the meter changes later on.
        (
            "4/4",
            "C major",
            &[("flute", &["G4:16 A4 B4 | C5:1 | D5:1 | E5:2. | F5:2."])],
            Some((3, "3/4")),
            &[(q(0, 1), "3/16"), (q(3, 16), "4/4"), (q(35, 16), "3/4")],
        ),
        // Two beats in 4/4 and a quarter in 6/8 keep the meter's denominator.
        (
            "4/4",
            "C major",
            &[("cello", &["G3:2 | C3:1 | G2:1"])],
            None,
            &[(q(0, 1), "2/4"), (q(1, 2), "4/4")],
        ),
        (
            "6/8",
            "C major",
            &[("oboe", &["G4:4 | C5:4. E5:4. | C5:4."])],
            None,
            &[(q(0, 1), "2/8"), (q(1, 4), "6/8")],
        ),
    ];
    for (i, &(time, key, parts, change, signatures)) in cases.iter().enumerate() {
        let mut score = SimpleScore::from_text(time, key, parts).unwrap();
        score.measure_mut(0).unwrap().pickup = true;
        if let Some((m, time)) = change {
            score.set_time_from(m, time.parse().unwrap());
        }
        let bytes = midi::write(&score);
        let stated = time_signatures(&bytes);
        let stated: Vec<(Rational, &str)> = stated.iter().map(|(t, s)| (*t, s.as_str())).collect();
        assert_eq!(stated, signatures, "case {i}");
        let back = round_trip(&score);
        assert!(back.measure(0).pickup, "case {i}");
        assert!((1..back.measure_count()).all(|m| !back.measure(m).pickup), "case {i}");
    }
}

/// A pickup whose length no time signature states (two triplet eighths, 1/6) is padded at its
/// start to a whole beat: every reader still finds the barlines, and the notes keep their
/// places against them; the pickup starts with a rest.
#[test]
fn a_pickup_in_triplets_is_padded_to_a_whole_beat() {
    let mut score =
        SimpleScore::from_text("4/4", "C major", &[("flute", &["(3:2/8 G4:8 A4 ) | B4:1 | C5:1"])]).unwrap();
    score.measure_mut(0).unwrap().pickup = true;
    let bytes = midi::write(&score);
    let stated: Vec<(Rational, String)> = time_signatures(&bytes);
    assert_eq!(stated, [(Rational::ZERO, "1/4".to_string()), (Rational::new(1, 4), "4/4".to_string())]);
    let (back, _) = midi::read(&bytes).unwrap();
    assert_eq!(back.measure_count(), 3);
    assert!(back.measure(0).pickup);
    assert_eq!(back.measure(0).time.to_string(), "4/4");
    let pad = Rational::new(1, 12);
    let shifted: Vec<_> = played(&score, 0).into_iter().map(|(on, len, key)| (on + pad, len, key)).collect();
    assert_eq!(played(&back, 0), shifted);
    assert!(back.events(0, 0, 0)[0].is_rest());
}

/// A partial measure after the first (before a repeat sign, say) is written at its length with a
/// time signature stating it, so the barlines after it stay in place; it reads back as a
/// measure of that signature, not as a pickup. The last measure needs no signature: it reads
/// back as a full measure, filled with rests.
#[test]
fn partial_measures_after_the_first_keep_their_barlines() {
    let mut score = SimpleScore::from_text(
        "4/4",
        "C major",
        &[
            ("flute", &["C5:1 | D5:2 | E5:2 F5:2 | G5:2 A5:2 | C6:4"]),
            ("cello", &["C3:1 | r:2 | C3:1 | F2:1 | C3:4"]),
        ],
    )
    .unwrap();
    score.measure_mut(1).unwrap().pickup = true;
    score.measure_mut(4).unwrap().pickup = true;
    let bytes = midi::write(&score);
    let stated: Vec<(Rational, String)> = time_signatures(&bytes);
    let expected = [(0, 1, "4/4"), (1, 1, "2/4"), (3, 2, "4/4")];
    assert_eq!(stated, expected.map(|(n, d, s)| (Rational::new(n, d), s.to_string())));
    let back = round_trip(&score);
    assert_eq!(back.measure(1).time.to_string(), "2/4");
    assert!(!back.measure(1).pickup);
    assert_eq!(back.measure(4).time.to_string(), "4/4");
    assert!(!back.measure(4).pickup);
    assert!(back.events(0, 4, 0)[1].is_rest());

    // A partial measure in triplets cannot be stated: it is written at its length under the
    // meter's signature rather than padded with silence. Every note keeps its time, but the
    // barlines after it come back shifted (the F5 starts a sixth into measure 2, tied in from
    // measure 1).
    let mut score =
        SimpleScore::from_text("4/4", "C major", &[("flute", &["C5:1 | (3:2/8 D5:8 E5 ) | F5:1 | G5:1"])])
            .unwrap();
    score.measure_mut(1).unwrap().pickup = true;
    let bytes = midi::write(&score);
    assert_eq!(time_signatures(&bytes), [(Rational::ZERO, "4/4".to_string())]);
    let (back, _) = midi::read(&bytes).unwrap();
    assert_eq!(played(&back, 0), played(&score, 0));
    assert_eq!(back.measure(1).time.to_string(), "4/4");
    assert!(!back.measure(1).pickup);
    assert_eq!(back.events(0, 1, 0)[2].notes()[0].pitch.to_string(), "F5");
    assert_eq!(back.events(0, 1, 0)[2].onset, Rational::new(1, 6));
}

/// A file's first measure reads as a pickup when its time signature, stated at the start, is
/// shorter than the next one, which then holds for two measures (or to the end), and the music
/// sounds up to the first barline. A real 2/4 bar followed by bars of 4/4 cannot be told from
/// a two-beat pickup, and reads as one, as notation programs write and read it; the barlines
/// are the same either way.
#[test]
fn a_short_first_measure_is_a_pickup_only_before_a_steady_meter() {
    // Time signatures (tick, numerator, power of two) and notes (on, off) at 480 per quarter;
    // expected: the first measure's signature, pickup flag and length in ticks, and the
    // measure count.
    type Case<'a> = (&'a [(u32, u8, u8)], &'a [(u32, u32)], &'a str, bool, i64, usize);
    let cases: &[Case<'_>] = &[
        // A 2/4 bar full of notes before bars of 4/4: a two-beat pickup.
        (&[(0, 2, 2), (960, 4, 2)], &[(0, 480), (480, 960), (960, 2880), (2880, 4800)], "4/4", true, 960, 3),
        // A note tied over the barline reaches it too.
        (&[(0, 1, 2), (480, 4, 2)], &[(0, 960), (960, 2400)], "4/4", true, 480, 2),
        // The same bar ending in a rest is a bar of 2/4.
        (&[(0, 2, 2), (960, 4, 2)], &[(0, 480), (960, 2880), (2880, 4800)], "2/4", false, 960, 3),
        // A first bar in a piece that keeps changing meter is a bar.
        (
            &[(0, 2, 2), (960, 4, 2), (2880, 3, 2)],
            &[(0, 960), (960, 2880), (2880, 4320)],
            "2/4",
            false,
            960,
            3,
        ),
        // Two bars of 2/4 before the 4/4 are bars.
        (&[(0, 2, 2), (1920, 4, 2)], &[(0, 960), (960, 1920), (1920, 3840)], "2/4", false, 960, 3),
        // A longer first bar is a bar.
        (&[(0, 4, 2), (1920, 2, 2)], &[(0, 1920), (1920, 2880), (2880, 3840)], "4/4", false, 1920, 3),
        // An empty first bar is a bar (a count-in, say).
        (&[(0, 1, 2), (480, 4, 2)], &[(480, 2400)], "1/4", false, 480, 2),
        // Without a signature at the start the file is in 4/4 from there: a 4/4 bar, then 5/4.
        (&[(1920, 5, 2)], &[(0, 1920), (1920, 4320)], "4/4", false, 1920, 2),
        // A change of signature inside the first bar still cuts it short, in the first meter.
        (&[(0, 4, 2), (480, 4, 2)], &[(0, 480), (480, 2400)], "4/4", true, 480, 2),
    ];
    for (i, &(signatures, notes, time, pickup, first_len, measures)) in cases.iter().enumerate() {
        let mut timed: Vec<(u32, TrackEventKind<'static>)> = signatures
            .iter()
            .map(|&(t, n, d)| (t, TrackEventKind::Meta(MetaMessage::TimeSignature(n, d, 24, 8))))
            .collect();
        for (k, &(on, off)) in notes.iter().enumerate() {
            let key = 60 + k as u8;
            timed.push((on, note(0, key, true)));
            timed.push((off, note(0, key, false)));
        }
        timed.sort_by_key(|e| e.0);
        let mut track = Vec::new();
        let mut last = 0;
        for (at, kind) in timed {
            track.push(ev(at - last, kind));
            last = at;
        }
        track.push(ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)));
        let (score, _) = midi::read(&smf(Format::SingleTrack, vec![track])).unwrap();
        assert_eq!(score.measure(0).time.to_string(), time, "case {i}");
        assert_eq!(score.measure(0).pickup, pickup, "case {i}");
        assert_eq!(score.measure_count(), measures, "case {i}");
        // Pickup or bar, the first measure ends on the file's first barline.
        assert_eq!(played_length(&score, 0), Rational::new(first_len, 1920), "case {i}");
    }
}

#[test]
fn broken_midi_is_an_error_with_a_byte_offset() {
    assert!(matches!(midi::read(b""), Err(Error::Format { format: "MIDI", .. })));
    assert!(matches!(midi::read(b"MThd\0\0\0\x06\0\x01"), Err(Error::Format { .. })));
    let good =
        midi::write(&SimpleScore::from_text("4/4", "C major", &[("flute", &["C5 D5 E5 F5"])]).unwrap());
    // A chunk length running past the end of the file.
    let mut cut = good.clone();
    let last_track = cut.windows(4).rposition(|w| w == b"MTrk").unwrap();
    cut[last_track + 4..last_track + 8].copy_from_slice(&[0x7f, 0xff, 0xff, 0xff]);
    match midi::read(&cut) {
        Err(Error::Format { position: FilePosition::Byte(b), message, .. }) => {
            assert_eq!(b as usize, last_track);
            assert!(message.contains("declares"), "{message}");
        }
        other => panic!("expected an error: {:?}", other.map(|_| ())),
    }
    match midi::read(&good[..good.len() - 5]) {
        Err(Error::Format { position: FilePosition::Byte(b), .. }) => assert_eq!(b as usize, last_track),
        other => panic!("expected an error: {:?}", other.map(|_| ())),
    }
    // Seeded mutations never panic.
    let mut state: u64 = 0x9e37_79b9;
    for _ in 0..2000 {
        let mut b = good.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state % b.len() as u64) as usize;
            b[i] = (state >> 32) as u8;
        }
        let _ = midi::read(&b);
    }
}

/// Found by the `midi_read` fuzz target: an SMPTE division with frame-rate byte -128 made
/// midly negate an `i8` with overflow. It must be a positioned error, not a panic.
#[test]
fn fuzz_crash_smpte_frame_rate_minus_128_is_an_error() {
    let bytes: &[u8] = &[
        77, 84, 104, 100, 0, 0, 0, 6, 0, 1, 163, 96, 128, 65, 0, 0, 255, 47, 0, 0, 0, 61, 0, 255, 81, 3, 7,
        161, 32, 0, 255, 88, 4, 4, 2, 24, 8, 0, 255, 89, 2, 0, 0, 0, 144, 60, 80, 131, 96, 128, 60, 0, 0,
        144, 62, 4, 4, 2, 24, 8, 0, 255, 89, 64, 80, 131, 96, 128, 63, 255, 255, 144, 65, 80, 163, 96, 128,
        65, 0, 0, 255, 47, 0,
    ];
    assert!(bandpro_music::formats::midi::read(bytes).is_err());
}

/// Found by the `midi_read` fuzz target after the first fix: midly parses a second `MThd`
/// chunk later in the file too, with the same overflow.
#[test]
fn fuzz_crash_second_header_chunk_with_bad_smpte_rate_is_an_error() {
    let bytes: &[u8] = &[
        77, 84, 104, 100, 0, 0, 0, 6, 0, 1, 0, 1, 1, 224, 77, 84, 114, 107, 0, 0, 0, 61, 0, 255, 81, 3, 7,
        161, 32, 0, 255, 88, 4, 4, 2, 24, 8, 0, 255, 89, 2, 161, 32, 0, 255, 72, 4, 8, 56, 0, 4, 2, 255, 89,
        198, 2, 24, 8, 0, 255, 89, 2, 0, 0, 91, 144, 55, 80, 127, 96, 128, 60, 65, 80, 1, 224, 77, 84, 114,
        107, 0, 0, 0, 77, 84, 104, 100, 0, 0, 0, 6, 0, 1, 0, 0, 128, 49, 77, 84, 114, 107, 0, 0, 0, 61, 0,
        255, 81, 3, 7, 161, 32, 0, 255, 88, 4, 4, 96, 24, 8, 16, 255, 89, 2, 0, 0, 0, 255, 89, 2, 0, 1, 104,
        144, 60, 30, 88, 4, 4, 2, 24, 8, 88, 4, 4, 112, 105, 97, 110, 111, 89, 2, 0, 0, 128, 4, 4, 2, 24, 8,
        0, 40, 89, 2, 0, 0,
    ];
    assert!(bandpro_music::formats::midi::read(bytes).is_err());
}

/// A file of a few hundred bytes: 64 overlapping notes held for about 6,000 quarters in 1/64
/// measures. Each note became a tied piece in each of ~95,000 measures, in its own voice: some
/// six million events and gigabytes of memory (the `midi_read` fuzz target ran out of memory on
/// it). The pieces are counted before any is made and the file is refused.
#[test]
fn notes_split_into_millions_of_pieces_are_refused_before_they_are_made() {
    let mut t = vec![ev(0, TrackEventKind::Meta(MetaMessage::TimeSignature(1, 6, 24, 8)))];
    for k in 0..64 {
        t.push(ev(0, note(0, 20 + k, true)));
    }
    t.push(ev(5_900 * 480, note(0, 20, false)));
    for k in 1..64 {
        t.push(ev(480, note(0, 20 + k, false)));
    }
    t.push(ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)));
    let bytes = smf(Format::SingleTrack, vec![t]);
    assert!(bytes.len() < 600, "{}", bytes.len());
    match midi::read(&bytes) {
        Err(Error::LimitExceeded { what: "events", limit, .. }) => {
            assert_eq!(limit, bandpro_music::formats::limits::MAX_EVENTS as u64);
        }
        other => panic!("expected the event limit: {:?}", other.map(|_| ())),
    }
    // The same notes held for a few measures read as one voice per note, tied across barlines.
    let mut t = vec![ev(0, TrackEventKind::Meta(MetaMessage::TimeSignature(1, 6, 24, 8)))];
    for k in 0..64 {
        t.push(ev(0, note(0, 20 + k, true)));
    }
    t.push(ev(480, note(0, 20, false)));
    for k in 1..64 {
        t.push(ev(480, note(0, 20 + k, false)));
    }
    t.push(ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)));
    let (score, _) = midi::read(&smf(Format::SingleTrack, vec![t])).unwrap();
    assert_eq!(score.voice_count(0, 0), 64);
    // The last note lasts 64 quarters: 1,024 measures of 1/64.
    assert_eq!(score.measure_count(), 1024);
    assert_eq!(score.voice_count(0, 1023), 1);
}

/// A quantisation grid so large that a quarter divided by it leaves `i64`: an invalid grid,
/// not an overflow.
#[test]
fn a_grid_too_large_to_divide_by_is_an_error() {
    let bytes =
        midi::write(&SimpleScore::from_text("4/4", "C major", &[("flute", &["C5 D5 E5 F5"])]).unwrap());
    for grid in [Rational::from_int(i64::MAX), Rational::new(i64::MAX, 3), Rational::new(1, 5)] {
        let options = MidiOptions { grid: Some(grid), ..MidiOptions::default() };
        assert!(matches!(midi::read_with(&bytes, &options), Err(Error::InvalidDuration(_))), "{grid}");
    }
}

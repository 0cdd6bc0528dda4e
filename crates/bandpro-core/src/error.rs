//! The one error type of `bandpro-core`.

use bandpro_crdt::ObjId;
use bandpro_music::event::EventId;

/// Everything that can go wrong with a score or its repository.
///
/// An edit that returns one of these changed nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine refused an operation or a change.
    #[error(transparent)]
    Engine(#[from] bandpro_crdt::Error),
    /// A music value was invalid (a pitch, a key, a duration...).
    #[error(transparent)]
    Music(#[from] bandpro_music::Error),
    /// A part that does not exist (any more).
    #[error("part {0} does not exist")]
    NoSuchPart(String),
    /// A measure index past the end of the score.
    #[error("measure {index} does not exist: the score has {count} measures")]
    NoSuchMeasure {
        /// 0-based index asked for.
        index: usize,
        /// How many measures there are.
        count: usize,
    },
    /// An event that does not exist (any more).
    #[error("event {0} does not exist")]
    NoSuchEvent(EventId),
    /// A position inside a voice past its end.
    #[error("index {index} is past the end of the voice, which has {len} events")]
    NoSuchPosition {
        /// Index asked for.
        index: usize,
        /// Events in the voice.
        len: usize,
    },
    /// A duration that is zero or negative (outside grace notes) or otherwise impossible.
    #[error("invalid duration {0}: durations must be positive")]
    InvalidDuration(String),
    /// A chord change placed outside the event it belongs to.
    #[error("a chord change at +{offset} lies outside its event, which lasts {duration}")]
    ChordChangeOutside {
        /// The change's offset from the event's onset.
        offset: String,
        /// The event's duration.
        duration: String,
    },
    /// Voices are numbered from 0 to 7.
    #[error("voice {0} is out of range: voices are 0 to 7")]
    InvalidVoice(usize),
    /// A document that does not hold a score, or holds a damaged one.
    #[error("not a score: {what} at {obj}")]
    NotAScore {
        /// What was wrong.
        what: String,
        /// Where.
        obj: ObjId,
    },
    /// A branch, tag or hash that names nothing.
    #[error("no branch, tag or change is named {0:?}")]
    NoSuchRevision(String),
    /// A hash prefix that names several changes.
    #[error("{0:?} names several changes: give more of the hash")]
    AmbiguousRevision(String),
    /// A branch or tag that exists already.
    #[error("{0:?} exists already")]
    AlreadyExists(String),
    /// An edit while a tag or hash is checked out.
    #[error("a tag or hash is checked out (detached): check out a branch to edit")]
    Detached,
    /// A repository setting that the repository keeps for itself (`HEAD`).
    #[error("{0:?} is reserved by the repository: choose another setting name")]
    Reserved(String),
    /// Nothing to undo or redo for this author.
    #[error("nothing to {0}")]
    NothingTo(&'static str),
}

/// A `Result` with this crate's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

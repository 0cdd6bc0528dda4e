//! Undo and redo per author: an author undoes only their own changes, also after others edited
//! around them. Undo is a new change that reverts the author's last change (see
//! `bandpro_crdt::Transaction::revert`): history only grows, so undo syncs like any edit.

use bandpro_crdt::ChangeHash;

use crate::error::{Error, Result};
use crate::score::{Edit, Score};

impl Score {
    /// Undoes `author`'s most recent edit made through this score (that is not undone yet).
    pub fn undo(&mut self, author: &str) -> Result<Edit> {
        let stacks = self.undo.entry(author.to_owned()).or_default();
        let target = stacks.undo.pop().ok_or(Error::NothingTo("undo"))?;
        match self.revert_as(author, &target, "undo") {
            Ok(edit) => {
                let stacks = self.undo.entry(author.to_owned()).or_default();
                if let Some(h) = edit.hash {
                    stacks.redo.push(h);
                }
                Ok(edit)
            }
            Err(e) => {
                self.undo.entry(author.to_owned()).or_default().undo.push(target);
                Err(e)
            }
        }
    }

    /// Redoes `author`'s most recently undone edit.
    pub fn redo(&mut self, author: &str) -> Result<Edit> {
        let stacks = self.undo.entry(author.to_owned()).or_default();
        let target = stacks.redo.pop().ok_or(Error::NothingTo("redo"))?;
        match self.revert_as(author, &target, "redo") {
            Ok(edit) => {
                if let Some(h) = edit.hash {
                    self.undo.entry(author.to_owned()).or_default().undo.push(h);
                }
                Ok(edit)
            }
            Err(e) => {
                self.undo.entry(author.to_owned()).or_default().redo.push(target);
                Err(e)
            }
        }
    }

    /// Makes a change that reverts `target` (for undo, redo and the repository's revert).
    pub(crate) fn revert_as(&mut self, author: &str, target: &ChangeHash, verb: &str) -> Result<Edit> {
        let message = match self.document().change(target).and_then(|c| c.message().map(str::to_owned)) {
            Some(m) => format!("{verb}: {m}"),
            None => format!("{verb} {}", &target.to_hex()[..8]),
        };
        let commit = {
            let mut tx = self.doc_mut().transaction();
            tx.set_author(author).set_message(message);
            tx.revert(target)?;
            tx.commit()
        };
        let changes = self.absorb(&commit.patches)?;
        Ok(Edit { hash: commit.hash, changes })
    }
}

//! Slot ranges: what lets a query skip most of a long posting list.
//!
//! Slots are numbered in filing order, so a range of 4,096 consecutive slots is a stretch of
//! documents filed together. For each posting list of at least [`DIRECTORY_MIN`] entries the
//! index keeps, per range the list touches, where that range starts in the list and the
//! shortest document of it that has the term in its title and in its body. BM25 rewards a title
//! mention and a short document, so those two lengths bound what any posting of the range can
//! score. Lists only ever grow at the end (a changed document gets a new, higher slot), so a
//! directory is appended to as the list is.

use super::IN_TITLE;

/// Slots per range, as a power of two.
pub(super) const RANGE_BITS: u32 = 12;
pub(super) const RANGE_SLOTS: usize = 1 << RANGE_BITS;
/// Shorter lists have no directory: reading one whole costs less than keeping it.
pub(super) const DIRECTORY_MIN: usize = 256;

/// One range of one posting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RangeEntry {
    pub range: u32,
    /// Index in the posting list of the range's first posting.
    pub start: u32,
    /// The shortest live document of the range with the term in its title (`u16::MAX`: none).
    pub shortest_title: u16,
    /// The same, for documents with the term elsewhere only.
    pub shortest_body: u16,
}

impl RangeEntry {
    fn new(range: u32, start: usize) -> RangeEntry {
        RangeEntry {
            range,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            shortest_title: u16::MAX,
            shortest_body: u16::MAX,
        }
    }

    fn note(&mut self, posting: u32, length: u16) {
        if length == 0 {
            return; // retired: it scores nothing
        }
        let shortest = if posting & IN_TITLE == 0 {
            &mut self.shortest_body
        } else {
            &mut self.shortest_title
        };
        *shortest = (*shortest).min(length);
    }
}

#[inline]
pub(super) fn range_of_slot(slot: u32) -> u32 {
    slot >> RANGE_BITS
}

#[inline]
pub(super) fn range_of(posting: u32) -> u32 {
    range_of_slot(posting >> 1)
}

/// Records the posting just appended at `index` of its list.
pub(super) fn note(directory: &mut Vec<RangeEntry>, index: usize, posting: u32, length: u16) {
    let range = range_of(posting);
    match directory.last_mut() {
        Some(last) if last.range == range => last.note(posting, length),
        _ => {
            let mut entry = RangeEntry::new(range, index);
            entry.note(posting, length);
            directory.push(entry);
        }
    }
}

/// The directory of a whole list (`lengths` by slot).
pub(super) fn build(list: &[u32], lengths: &[u16]) -> Vec<RangeEntry> {
    let mut directory = Vec::new();
    for (index, &posting) in list.iter().enumerate() {
        let length = lengths.get((posting >> 1) as usize).copied().unwrap_or(0);
        note(&mut directory, index, posting, length);
    }
    directory
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_marks_where_each_range_starts_and_its_shortest_documents() {
        let slot = |s: u32, title: bool| s << 1 | u32::from(title);
        let list = [
            slot(1, true),
            slot(2, false),
            slot(4096, false),
            slot(9000, true),
        ];
        let mut lengths = vec![5u16; 9001];
        lengths[1] = 7;
        lengths[4096] = 0; // retired
        let directory = build(&list, &lengths);
        assert_eq!(
            directory,
            [
                RangeEntry {
                    range: 0,
                    start: 0,
                    shortest_title: 7,
                    shortest_body: 5
                },
                RangeEntry {
                    range: 1,
                    start: 2,
                    shortest_title: u16::MAX,
                    shortest_body: u16::MAX
                },
                RangeEntry {
                    range: 2,
                    start: 3,
                    shortest_title: 5,
                    shortest_body: u16::MAX
                },
            ]
        );
    }
}

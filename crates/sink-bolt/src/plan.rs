//! How parallel writers share a window of relationships without ever locking the same node.
//!
//! Creating a relationship locks (on Neo4j) or rewrites the edge pages of (on ArcadeDB, unless its
//! type is `UNIDIRECTIONAL`, as `scripts/arcadedb.sh layout` makes the learners' ones) both of
//! its ends. A `Skill` like `python` is the end of a quarter of all `HAS_SKILL` relationships, so
//! writers that split relationships arbitrarily meet on it all the time: deadlocks and retries, or
//! one writer. The arrangement here is the bipartite one of neo4j-parallel-spark-loader: learners
//! fall into `k` groups and hubs into `k` groups by a hash of their keys, and the `k × k` cells are
//! written in `k` rounds; in round `r` writer `i` takes cell `(i, (i + r) mod k)`. Within a round no
//! two writers share a learner group or a hub group, so no two transactions touch the same node;
//! between rounds the writers wait for each other. Writer `i` keeps learner group `i` in every
//! round, and creates those learners too ([`Grid::split_learners`]).
//!
//! Where no write touches a hub (ArcadeDB laid out so), the hub rounds only split each learner's
//! relationships over `k` statements; `hub_rounds = false` puts all hubs in one group, written
//! in one round. Either way a cell holds one row per learner and kind, with the learner's hubs
//! as a list ([`Rows::push_grouped`]): the server looks each learner up once for all of them.

use std::hash::{BuildHasher, Hash};

use neo4rs::BoltType;

use crate::statements::{add_hub, learner_rels_row, RelKind};

/// The learner a row belongs to, to quarantine it if the server refuses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Key of the learner.
    pub learner_id: String,
    /// Line of the export where its row starts.
    pub source_row: u64,
}

/// Rows of one statement with their owners, in the same order.
#[derive(Debug, Default)]
pub struct Rows {
    /// The statement's rows, bound to `$rows`.
    pub rows: Vec<BoltType>,
    /// Owner of each row.
    pub owners: Vec<Owner>,
    /// For a learner's relationships: the statement's `$hubs`, which the rows name by position
    /// ([`crate::statements::index_hubs`]).
    pub hubs: Option<BoltType>,
}

impl Rows {
    /// Adds a row.
    pub fn push(&mut self, row: BoltType, owner: Owner) {
        self.rows.push(row);
        self.owners.push(owner);
    }

    /// Adds a relationship of `owner`'s learner to the hub `entry`: to the last row when that
    /// row is the same learner's, else as a new row `[learner, [entry]]`. The server
    /// then looks the learner up once for all of its relationships in the row, not once each.
    pub fn push_grouped(&mut self, entry: BoltType, owner: &Owner) {
        let entry = match self.rows.last_mut() {
            Some(row) if self.owners.last() == Some(owner) => match add_hub(row, entry) {
                None => return,
                Some(entry) => entry,
            },
            _ => entry,
        };
        // The owner is copied once a row, not once a relationship.
        self.push(learner_rels_row(&owner.learner_id, entry), owner.clone());
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Splits the rows into statements of at most `size` rows, each with the whole `$hubs` if
    /// any.
    pub fn into_chunks(self, size: usize) -> Vec<Rows> {
        let Rows {
            rows: mut r,
            owners: mut o,
            hubs,
        } = self;
        let mut out = Vec::new();
        while !r.is_empty() {
            let rest_r = r.split_off(r.len().min(size));
            let rest_o = o.split_off(o.len().min(size));
            out.push(Rows {
                rows: r,
                owners: o,
                hubs: hubs.clone(),
            });
            r = rest_r;
            o = rest_o;
        }
        out
    }
}

/// The relationships of a window in `k × h` cells (`k` learner groups, `h` hub groups), each cell
/// holding rows per relationship kind.
pub struct Grid {
    k: usize,
    hubs: usize,
    kinds: Vec<RelKind>,
    cells: Vec<Vec<Rows>>,
    hasher: foldhash::fast::FixedState,
}

impl Grid {
    /// An empty grid for `k` writers and the relationship `kinds` in write order. With
    /// `hub_rounds`, hubs fall into `k` groups written in `k` rounds; without, into one group and
    /// one round, for servers where writing a relationship leaves its hub alone (ArcadeDB with
    /// the learners' relationship types `UNIDIRECTIONAL`).
    pub fn new(k: usize, hub_rounds: bool, kinds: &[RelKind]) -> Grid {
        let k = k.max(1);
        let hubs = if hub_rounds { k } else { 1 };
        Grid {
            k,
            hubs,
            kinds: kinds.to_vec(),
            cells: (0..k * hubs)
                .map(|_| kinds.iter().map(|_| Rows::default()).collect())
                .collect(),
            hasher: foldhash::fast::FixedState::with_seed(0x1ea6_9a4f),
        }
    }

    fn group(&self, key: &str, groups: usize) -> usize {
        let mut h = self.hasher.build_hasher();
        key.hash(&mut h);
        (std::hash::Hasher::finish(&h) % groups as u64) as usize
    }

    /// Deals learner nodes out by learner group, so that writer `i` creates the learners whose
    /// relationships it writes (see [`Grid::take_rounds`]).
    pub fn split_learners(&self, rows: Rows) -> Vec<Rows> {
        let mut parts: Vec<Rows> = (0..self.k).map(|_| Rows::default()).collect();
        for (row, owner) in rows.rows.into_iter().zip(rows.owners) {
            parts[self.group(&owner.learner_id, self.k)].push(row, owner);
        }
        parts
    }

    /// Files a relationship of kind `kind` from `owner`'s learner to `hub`, whose row entry is
    /// `entry` (see [`Rows::push_grouped`]).
    pub fn push(&mut self, kind: usize, hub: &str, entry: BoltType, owner: &Owner) {
        let cell = self.group(&owner.learner_id, self.k) * self.hubs + self.group(hub, self.hubs);
        self.cells[cell][kind].push_grouped(entry, owner);
    }

    /// Rows filed: one per learner, kind and cell.
    pub fn len(&self) -> usize {
        self.cells.iter().flatten().map(Rows::len).sum()
    }

    /// True when nothing is filed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the grid into rounds: `rounds[r][i]` is what writer `i` writes in round `r`, as
    /// (kind, rows) pairs. Cells of a round share no learner group, and with hub rounds no hub
    /// group.
    pub fn take_rounds(&mut self) -> Vec<Vec<Vec<(RelKind, Rows)>>> {
        let (k, hubs) = (self.k, self.hubs);
        let mut cells: Vec<Option<Vec<Rows>>> = self
            .cells
            .iter_mut()
            .map(|c| {
                Some(std::mem::replace(
                    c,
                    self.kinds.iter().map(|_| Rows::default()).collect(),
                ))
            })
            .collect();
        (0..hubs)
            .map(|r| {
                (0..k)
                    .map(|i| {
                        let cell = i * hubs + (i + r) % hubs;
                        cells[cell]
                            .take()
                            .unwrap_or_default()
                            .into_iter()
                            .zip(self.kinds.iter().copied())
                            .filter(|(rows, _)| !rows.is_empty())
                            .map(|(rows, kind)| (kind, rows))
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statements::LEARNER_RELS;
    use std::collections::HashSet;

    fn owner(id: &str) -> Owner {
        Owner {
            learner_id: id.to_string(),
            source_row: 1,
        }
    }

    /// The (learner, hub) pairs of a grouped row.
    fn pairs_of(row: &BoltType) -> Vec<(String, String)> {
        let text = |v: &BoltType| match v {
            BoltType::String(s) => s.value.clone(),
            other => panic!("a key: {other:?}"),
        };
        let BoltType::List(row) = row else {
            panic!("a list: {row:?}")
        };
        let from = text(&row.value[0]);
        let BoltType::List(to) = &row.value[1] else {
            panic!("a list: {row:?}")
        };
        assert!(!to.is_empty());
        to.value.iter().map(|h| (from.clone(), text(h))).collect()
    }

    #[test]
    fn no_two_writers_of_a_round_share_a_learner_or_a_hub() {
        for (k, hub_rounds) in (1..=5).flat_map(|k| [(k, true), (k, false)]) {
            let mut grid = Grid::new(k, hub_rounds, &LEARNER_RELS[..2]);
            let mut pairs = Vec::new();
            for l in 0..200 {
                for s in 0..(l % 7) {
                    let (learner, hub) = (format!("L{l}"), format!("skill{s}"));
                    grid.push(0, &hub, BoltType::from(hub.as_str()), &owner(&learner));
                    pairs.push((learner, hub));
                }
            }
            let rounds = grid.take_rounds();
            assert_eq!(rounds.len(), if hub_rounds { k } else { 1 });
            let mut seen = Vec::new();
            for round in rounds {
                let mut learners_of = Vec::new();
                let mut hubs_of = Vec::new();
                for writer in round {
                    let mut learners = HashSet::new();
                    let mut hubs = HashSet::new();
                    for (_, rows) in writer {
                        for row in &rows.rows {
                            for (l, h) in pairs_of(row) {
                                learners.insert(l.clone());
                                hubs.insert(h.clone());
                                seen.push((l, h));
                            }
                        }
                    }
                    learners_of.push(learners);
                    hubs_of.push(hubs);
                }
                for i in 0..k {
                    for j in i + 1..k {
                        assert!(learners_of[i].is_disjoint(&learners_of[j]), "k={k}");
                        if hub_rounds {
                            assert!(hubs_of[i].is_disjoint(&hubs_of[j]), "k={k}");
                        }
                    }
                }
            }
            seen.sort();
            pairs.sort();
            assert_eq!(seen, pairs, "k={k}: every relationship in exactly one cell");
            assert!(grid.is_empty());
        }
    }

    #[test]
    fn a_learners_relationships_in_a_cell_are_one_row() {
        for (k, hub_rounds) in [(1, true), (3, true), (3, false)] {
            let mut grid = Grid::new(k, hub_rounds, &LEARNER_RELS[..1]);
            for l in 0..50 {
                let learner = format!("L{l}");
                for s in 0..5 {
                    let hub = format!("skill{s}");
                    grid.push(0, &hub, BoltType::from(hub.as_str()), &owner(&learner));
                }
            }
            let mut rows_of: std::collections::HashMap<String, usize> = Default::default();
            let mut relationships = 0;
            for round in grid.take_rounds() {
                for (_, rows) in round.into_iter().flatten() {
                    assert_eq!(rows.rows.len(), rows.owners.len());
                    for (row, o) in rows.rows.iter().zip(&rows.owners) {
                        let pairs = pairs_of(row);
                        assert!(pairs.iter().all(|(l, _)| *l == o.learner_id));
                        relationships += pairs.len();
                        *rows_of.entry(o.learner_id.clone()).or_default() += 1;
                    }
                }
            }
            assert_eq!(relationships, 250);
            let hub_groups = if hub_rounds { k } else { 1 };
            // One row per learner and hub group its skills fall into: never more.
            assert!(
                rows_of.values().all(|&n| n <= hub_groups),
                "k={k}, hub_rounds={hub_rounds}: {rows_of:?}"
            );
            if !hub_rounds || k == 1 {
                assert!(rows_of.values().all(|&n| n == 1));
            }
        }
    }

    #[test]
    fn each_writer_creates_the_learners_whose_relationships_it_writes() {
        for k in 1..=5 {
            let mut grid = Grid::new(k, true, &LEARNER_RELS[..1]);
            let mut learners = Rows::default();
            for l in 0..300 {
                let learner = format!("L{l}");
                learners.push(BoltType::String(learner.clone().into()), owner(&learner));
                let hub = format!("skill{}", l % 11);
                grid.push(0, &hub, BoltType::from(hub.as_str()), &owner(&learner));
            }
            let created: Vec<HashSet<String>> = grid
                .split_learners(learners)
                .into_iter()
                .map(|part| part.owners.into_iter().map(|o| o.learner_id).collect())
                .collect();
            assert_eq!(created.len(), k);
            assert_eq!(created.iter().map(HashSet::len).sum::<usize>(), 300);
            if k > 1 {
                assert!(
                    created.iter().all(|c| !c.is_empty()),
                    "k={k}: a writer is idle"
                );
            }
            for round in grid.take_rounds() {
                for (i, work) in round.into_iter().enumerate() {
                    for (_, rows) in work {
                        for o in rows.owners {
                            assert!(created[i].contains(&o.learner_id), "k={k}, writer {i}");
                        }
                    }
                }
            }
        }
    }
}

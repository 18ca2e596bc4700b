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

use std::hash::{BuildHasher, Hash};

use neo4rs::BoltType;

use crate::statements::RelKind;

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
    /// Parameter maps.
    pub rows: Vec<BoltType>,
    /// Owner of each row.
    pub owners: Vec<Owner>,
}

impl Rows {
    /// Adds a row.
    pub fn push(&mut self, row: BoltType, owner: Owner) {
        self.rows.push(row);
        self.owners.push(owner);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The relationships of a window in `k × k` cells, each cell holding rows per relationship kind.
pub struct Grid {
    k: usize,
    kinds: Vec<RelKind>,
    cells: Vec<Vec<Rows>>,
    hasher: foldhash::fast::FixedState,
}

impl Grid {
    /// An empty grid for `k` writers and the relationship `kinds` in write order.
    pub fn new(k: usize, kinds: &[RelKind]) -> Grid {
        let k = k.max(1);
        Grid {
            k,
            kinds: kinds.to_vec(),
            cells: (0..k * k)
                .map(|_| kinds.iter().map(|_| Rows::default()).collect())
                .collect(),
            hasher: foldhash::fast::FixedState::with_seed(0x1ea6_9a4f),
        }
    }

    fn group(&self, key: &str) -> usize {
        let mut h = self.hasher.build_hasher();
        key.hash(&mut h);
        (std::hash::Hasher::finish(&h) % self.k as u64) as usize
    }

    /// Deals learner nodes out by learner group, so that writer `i` creates the learners whose
    /// relationships it writes (see [`Grid::take_rounds`]).
    pub fn split_learners(&self, rows: Rows) -> Vec<Rows> {
        let mut parts: Vec<Rows> = (0..self.k).map(|_| Rows::default()).collect();
        for (row, owner) in rows.rows.into_iter().zip(rows.owners) {
            parts[self.group(&owner.learner_id)].push(row, owner);
        }
        parts
    }

    /// Files a relationship of kind `kind` from `learner` to `hub`.
    pub fn push(&mut self, kind: usize, learner: &str, hub: &str, row: BoltType, owner: Owner) {
        let cell = self.group(learner) * self.k + self.group(hub);
        self.cells[cell][kind].push(row, owner);
    }

    /// Relationships filed.
    pub fn len(&self) -> usize {
        self.cells.iter().flatten().map(Rows::len).sum()
    }

    /// True when nothing is filed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the grid into rounds: `rounds[r][i]` is what writer `i` writes in round `r`, as
    /// (kind, rows) pairs. Cells of a round share no learner group and no hub group.
    pub fn take_rounds(&mut self) -> Vec<Vec<Vec<(RelKind, Rows)>>> {
        let k = self.k;
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
        (0..k)
            .map(|r| {
                (0..k)
                    .map(|i| {
                        let cell = i * k + (i + r) % k;
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

    #[test]
    fn no_two_writers_of_a_round_share_a_learner_or_a_hub() {
        for k in 1..=5 {
            let mut grid = Grid::new(k, &LEARNER_RELS[..2]);
            let mut pairs = Vec::new();
            for l in 0..200 {
                for s in 0..(l % 7) {
                    let (learner, hub) = (format!("L{l}"), format!("skill{s}"));
                    let row = BoltType::String(format!("{learner}>{hub}").into());
                    grid.push(0, &learner, &hub, row, owner(&learner));
                    pairs.push((learner, hub));
                }
            }
            assert_eq!(grid.len(), pairs.len());
            let rounds = grid.take_rounds();
            assert_eq!(rounds.len(), k);
            let mut seen = 0;
            for round in rounds {
                let mut learners_of = Vec::new();
                let mut hubs_of = Vec::new();
                for writer in round {
                    let mut learners = HashSet::new();
                    let mut hubs = HashSet::new();
                    for (_, rows) in writer {
                        for row in rows.rows {
                            let BoltType::String(s) = row else { panic!() };
                            let (l, h) = s.value.split_once('>').unwrap();
                            learners.insert(l.to_string());
                            hubs.insert(h.to_string());
                            seen += 1;
                        }
                    }
                    learners_of.push(learners);
                    hubs_of.push(hubs);
                }
                for i in 0..k {
                    for j in i + 1..k {
                        assert!(learners_of[i].is_disjoint(&learners_of[j]), "k={k}");
                        assert!(hubs_of[i].is_disjoint(&hubs_of[j]), "k={k}");
                    }
                }
            }
            assert_eq!(seen, pairs.len(), "every relationship in exactly one cell");
            assert!(grid.is_empty());
        }
    }

    #[test]
    fn each_writer_creates_the_learners_whose_relationships_it_writes() {
        for k in 1..=5 {
            let mut grid = Grid::new(k, &LEARNER_RELS[..1]);
            let mut learners = Rows::default();
            for l in 0..300 {
                let learner = format!("L{l}");
                learners.push(BoltType::String(learner.clone().into()), owner(&learner));
                let hub = format!("skill{}", l % 11);
                grid.push(
                    0,
                    &learner,
                    &hub,
                    BoltType::Null(neo4rs::BoltNull),
                    owner(&learner),
                );
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

//! The servers a client talks to: one, or the nodes of a ColonyOS cluster.
//!
//! Ordinary calls are spread over the nodes that answer, round-robin. A node that fails to
//! answer is set aside for a while (1 s, doubling up to 30 s) and then tried again, so a node
//! that comes back is used again and one that stays away costs one attempt now and then.
//!
//! A cluster shares its database but not its channels: each node keeps its own channel logs in
//! memory (docs/server-findings.md, "A cluster of servers"). So the submitter and the executor
//! of a process must read and write its channels through one node, the *home* of the process's
//! colony, which both compute alike: the node ranked first for the colony by rendezvous hashing
//! over the configured addresses (so the order the addresses were given in does not matter),
//! skipping nodes set aside. Two rules make the home's copy of a channel admit the executor
//! (`crate::client` applies them): processes are submitted through another node, and a channel
//! is used only once its process has been assigned.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha3::{Digest, Sha3_256};

use crate::pool::Pool;
use crate::retry::Backoff;
use crate::transport::Settings;

/// One server: where it is, its idle connections, and whether it answered lately.
pub(crate) struct Node {
    pub(crate) settings: Settings,
    pub(crate) pool: Pool,
    /// `host:port` as configured (lowercase): what the home rule ranks.
    name: String,
    health: Mutex<Health>,
}

#[derive(Default)]
struct Health {
    /// Set aside until then, after failing to answer.
    retry_at: Option<Instant>,
    backoff: Option<Backoff>,
}

/// The first and the longest time a node that failed to answer is set aside.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(30);

impl Node {
    pub(crate) fn new(settings: Settings) -> Node {
        let url = &settings.api_url;
        let name = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        )
        .to_ascii_lowercase();
        Node {
            settings,
            pool: Pool::default(),
            name,
            health: Mutex::default(),
        }
    }

    /// `host:port`, for messages.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the node may be asked now (it answered last time, or its pause is over).
    fn is_available(&self, now: Instant) -> bool {
        self.health().retry_at.is_none_or(|at| at <= now)
    }

    fn retry_at(&self) -> Option<Instant> {
        self.health().retry_at
    }
}

/// The servers of a client, in the order they were given.
pub(crate) struct Nodes {
    nodes: Vec<Node>,
    /// Where the next round-robin pick starts.
    next: AtomicUsize,
}

impl Nodes {
    pub(crate) fn new(nodes: Vec<Node>) -> Nodes {
        // Clients made at the same moment should not all start on the same node.
        let start = if nodes.len() > 1 {
            rand::random::<usize>() % nodes.len()
        } else {
            0
        };
        Nodes {
            nodes,
            next: AtomicUsize::new(start),
        }
    }

    /// More than one server: calls are spread and channels are routed to their home.
    pub(crate) fn is_cluster(&self) -> bool {
        self.nodes.len() > 1
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn get(&self, index: usize) -> &Node {
        &self.nodes[index.min(self.nodes.len() - 1)]
    }

    pub(crate) fn first(&self) -> &Node {
        self.get(0)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter()
    }

    /// The node for the next ordinary call: the next available one round-robin, other than
    /// those in `tried` and, while another is available, `avoid`. When none is available, the
    /// one whose pause ends first (a call must go somewhere).
    pub(crate) fn pick(&self, tried: &[usize], avoid: Option<usize>) -> usize {
        // One server: nothing to choose (and nothing to allocate on every call).
        if !self.is_cluster() {
            return 0;
        }
        let now = Instant::now();
        let count = self.nodes.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let allowed: Vec<usize> = (0..count)
            .map(|k| (start + k) % count)
            .filter(|i| !tried.contains(i))
            .collect();
        let available = |&i: &usize| self.nodes[i].is_available(now);
        allowed
            .iter()
            .copied()
            .filter(available)
            .find(|&i| Some(i) != avoid)
            .or_else(|| allowed.iter().copied().find(available))
            .or_else(|| {
                allowed
                    .iter()
                    .copied()
                    .min_by_key(|&i| self.nodes[i].retry_at())
            })
            .unwrap_or(start % count)
    }

    /// The home of `colony`'s channels: the available node ranked first for it (all nodes when
    /// none is available).
    pub(crate) fn home(&self, colony: &str) -> usize {
        let now = Instant::now();
        let ranked = self.ranked(colony);
        ranked
            .iter()
            .copied()
            .find(|&i| self.nodes[i].is_available(now))
            .unwrap_or(ranked[0])
    }

    /// The nodes by rendezvous rank for `colony`: highest score first, where a node's score is
    /// a hash of the colony and the node's `host:port`.
    fn ranked(&self, colony: &str) -> Vec<usize> {
        let score = |node: &Node| {
            let digest = Sha3_256::new()
                .chain_update(colony.as_bytes())
                .chain_update([0])
                .chain_update(node.name.as_bytes())
                .finalize();
            let mut first = [0u8; 8];
            first.copy_from_slice(&digest[..8]);
            (u64::from_be_bytes(first), node.name.clone())
        };
        let mut ranked: Vec<usize> = (0..self.nodes.len()).collect();
        ranked.sort_by_cached_key(|&i| std::cmp::Reverse(score(&self.nodes[i])));
        ranked
    }

    /// The node answered: it is available again.
    pub(crate) fn answered(&self, index: usize) {
        // With one server, health is never read: no lock on every call.
        if !self.is_cluster() {
            return;
        }
        let mut health = self.get(index).health();
        if health.retry_at.is_some() {
            tracing::info!(node = %self.get(index).name, "the node answers again");
        }
        *health = Health::default();
    }

    /// The node did not answer: set it aside for a while, longer each time in a row.
    pub(crate) fn failed(&self, index: usize) {
        if !self.is_cluster() {
            return;
        }
        let node = self.get(index);
        let mut health = node.health();
        let pause = health
            .backoff
            .get_or_insert_with(|| Backoff::new(FIRST_PAUSE, LONGEST_PAUSE))
            .next();
        health.retry_at = Some(Instant::now() + pause);
        tracing::warn!(node = %node.name, "the node does not answer: set aside for {pause:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::TlsOptions;

    fn nodes(addresses: &[&str]) -> Nodes {
        let timeout = Duration::from_secs(1);
        Nodes::new(
            addresses
                .iter()
                .map(|a| {
                    Node::new(Settings::new(a, timeout, timeout, &TlsOptions::default()).unwrap())
                })
                .collect(),
        )
    }

    #[test]
    fn the_home_does_not_depend_on_the_order_of_the_addresses() {
        let a = nodes(&[
            "http://127.0.0.1:1",
            "http://127.0.0.1:2",
            "http://127.0.0.1:3",
        ]);
        let b = nodes(&[
            "http://127.0.0.1:3",
            "http://127.0.0.1:1",
            "http://127.0.0.1:2",
        ]);
        let mut homes = std::collections::HashSet::new();
        for colony in (0..64).map(|i| format!("colony-{i}")) {
            let home = a.get(a.home(&colony)).name().to_string();
            assert_eq!(home, b.get(b.home(&colony)).name());
            homes.insert(home);
        }
        assert_eq!(homes.len(), 3, "colonies spread over every node");
    }

    #[test]
    fn a_node_that_failed_is_skipped_then_tried_again() {
        let cluster = nodes(&["http://127.0.0.1:1", "http://127.0.0.1:2"]);
        let home = cluster.home("dev");
        cluster.failed(home);
        assert_ne!(cluster.home("dev"), home, "the next node takes over");
        for _ in 0..4 {
            assert_ne!(cluster.pick(&[], None), home);
        }
        cluster.get(home).health().retry_at = Some(Instant::now());
        assert_eq!(
            cluster.home("dev"),
            home,
            "tried again once its pause is over"
        );
        cluster.answered(home);
        assert!(cluster.get(home).health().retry_at.is_none());
    }

    #[test]
    fn picks_go_round_robin_and_skip_what_they_are_told() {
        let cluster = nodes(&["http://h:1", "http://h:2", "http://h:3"]);
        let picks: std::collections::HashSet<usize> =
            (0..3).map(|_| cluster.pick(&[], None)).collect();
        assert_eq!(picks.len(), 3);
        for _ in 0..6 {
            assert_ne!(cluster.pick(&[1], None), 1);
            assert_ne!(cluster.pick(&[], Some(2)), 2);
        }
        // Nothing else left: the node tried already, or to be avoided, is better than none.
        assert_eq!(nodes(&["http://h:1"]).pick(&[0], None), 0);
        assert_eq!(nodes(&["http://h:1"]).pick(&[], Some(0)), 0);
        let now = Instant::now();
        cluster.get(0).health().retry_at = Some(now + Duration::from_secs(2));
        cluster.get(2).health().retry_at = Some(now + Duration::from_secs(1));
        assert_eq!(
            cluster.pick(&[1], None),
            2,
            "the pause that ends first, when all are set aside"
        );
    }
}

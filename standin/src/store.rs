//! The seeded world: groups, their Serverless instances and Flex clusters, each with its
//! snapshots and restore jobs.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use super::operation::Family;
use super::restore::Job;
use super::sample;

/// Most restore jobs one deployment keeps; a create beyond it is refused.
pub(crate) const MAX_JOBS: usize = 10_000;

/// The snapshots of one deployment, pre-serialized so serving them copies bytes only.
#[derive(Default)]
pub(crate) struct Snapshots {
    pub(crate) items: Vec<Bytes>,
    by_id: HashMap<String, usize>,
}

impl Snapshots {
    pub(crate) fn new(snapshots: &[Value]) -> Self {
        let mut by_id = HashMap::with_capacity(snapshots.len());
        let items = snapshots
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if let Some(id) = v.get("id").and_then(Value::as_str) {
                    by_id.entry(id.to_owned()).or_insert(i);
                }
                to_bytes(v)
            })
            .collect();
        Snapshots { items, by_id }
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Bytes> {
        self.by_id.get(id).map(|&i| &self.items[i])
    }
}

pub(crate) fn to_bytes(v: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(v).unwrap_or_default())
}

/// One Serverless instance or Flex cluster.
pub(crate) struct Deployment {
    pub(crate) description: Bytes,
    pub(crate) snapshots: Arc<Snapshots>,
    pub(crate) jobs: Vec<Job>,
}

/// The deployments of one family in one group, in seeding order.
#[derive(Default)]
pub(crate) struct Deployments {
    pub(crate) order: Vec<String>,
    by_name: HashMap<String, Deployment>,
}

impl Deployments {
    pub(crate) fn get(&self, name: &str) -> Option<&Deployment> {
        self.by_name.get(name)
    }

    /// In seeding order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Deployment> {
        self.order.iter().filter_map(|n| self.by_name.get(n))
    }
}

/// Everything seeded, `[family][group]`, and the restore jobs' id counter.
#[derive(Default)]
pub(crate) struct Store {
    families: [HashMap<String, Deployments>; 2],
    jobs_created: u64,
}

impl Store {
    /// Whether anything was seeded in `group`, in either family.
    pub(crate) fn has_group(&self, group: &str) -> bool {
        self.families.iter().any(|f| f.contains_key(group))
    }

    pub(crate) fn deployments(&self, family: Family, group: &str) -> Option<&Deployments> {
        self.families[family.index()].get(group)
    }

    pub(crate) fn deployment(
        &self,
        family: Family,
        group: &str,
        name: &str,
    ) -> Option<&Deployment> {
        self.deployments(family, group)?.get(name)
    }

    pub(crate) fn deployment_mut(
        &mut self,
        family: Family,
        group: &str,
        name: &str,
    ) -> Option<&mut Deployment> {
        self.families[family.index()]
            .get_mut(group)?
            .by_name
            .get_mut(name)
    }

    /// The deployment, created with a sample description (and nothing else) if missing.
    fn upsert(&mut self, family: Family, group: &str, name: &str) -> &mut Deployment {
        let deployments = self.families[family.index()]
            .entry(group.to_owned())
            .or_default();
        if !deployments.by_name.contains_key(name) {
            deployments.order.push(name.to_owned());
        }
        deployments
            .by_name
            .entry(name.to_owned())
            .or_insert_with(|| Deployment {
                description: to_bytes(&match family {
                    Family::Serverless => sample::serverless_instance_in(group, name),
                    Family::Flex => sample::flex_cluster_in(group, name),
                }),
                snapshots: Arc::default(),
                jobs: Vec::new(),
            })
    }

    pub(crate) fn set_snapshots(&mut self, family: Family, group: &str, name: &str, s: Snapshots) {
        self.upsert(family, group, name).snapshots = Arc::new(s);
    }

    pub(crate) fn set_description(&mut self, family: Family, group: &str, name: &str, v: &Value) {
        self.upsert(family, group, name).description = to_bytes(v);
    }

    /// A fresh restore job id: distinct within this stand-in, and from sample ids.
    pub(crate) fn next_job_id(&mut self) -> String {
        self.jobs_created += 1;
        format!("6a0b{:020x}", self.jobs_created)
    }

    /// The download job whose link is `job_id`, whichever deployment holds it.
    pub(crate) fn download(&self, job_id: &str) -> Option<&Job> {
        self.families
            .iter()
            .flat_map(HashMap::values)
            .flat_map(|d| d.by_name.values())
            .flat_map(|d| d.jobs.iter())
            .find(|j| j.id == job_id && j.download_url.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_keeps_order_and_descriptions() {
        let mut s = Store::default();
        s.set_snapshots(Family::Flex, "g", "b", Snapshots::default());
        s.set_snapshots(Family::Flex, "g", "a", Snapshots::default());
        s.set_description(Family::Flex, "g", "b", &serde_json::json!({"name": "b2"}));
        let names: Vec<_> = s.deployments(Family::Flex, "g").unwrap().order.clone();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(
            &s.deployment(Family::Flex, "g", "b").unwrap().description[..],
            br#"{"name":"b2"}"#
        );
        assert!(s.has_group("g") && !s.has_group("h"));
        assert!(s.deployment(Family::Serverless, "g", "b").is_none());
        assert_ne!(s.next_job_id(), s.next_job_id());
    }
}

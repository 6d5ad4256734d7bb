//! Reconciling customer groups by the UID the caller chooses
//! ([`CustomerGroups::ensure`], [`CustomerGroups::ensure_all`]) and their
//! members ([`CustomerGroups::ensure_members`]).

use std::collections::{BTreeSet, HashMap};

use futures::TryStreamExt as _;
use sdk_core::reconcile::{self, Ensured};
use sdk_core::vendor::HasCallOptions;
use sdk_core::vendor::calls::{self, CallSender};
use sdk_core::{Call, Error, Result};

use super::CustomerGroups;
use crate::client::check_uid;
use crate::model::{
    CreateCustomerGroup, CustomerGroup, GroupMembershipChange, UpdateCustomerGroup,
};

/// The page size reconciling reads ask for (a server may cap it: the
/// walk learns its cap from the first page).
const READ_PAGE_SIZE: u64 = 500;

/// How many times a create is sent when its answers are lost and reading
/// back does not find the group.
const CREATE_ATTEMPTS: u32 = 3;

/// How many times a write whose every answer was lost is read back and
/// sent again before `ensure` gives up with its error.
const REREADS: u32 = 3;

/// A group's members, by customer UID: what
/// [`CustomerGroups::ensure_members`] made them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupMembers {
    /// The group's UID.
    pub group_uid: String,
    /// Its customers' UIDs.
    pub customer_uids: BTreeSet<String>,
}

impl CustomerGroups {
    /// Makes the group with the UID the caller chose hold what `group`
    /// describes, with the fewest writes: creates it when absent, renames
    /// it when its name differs, and writes nothing when it matches.
    ///
    /// `group` must name its UID ([`CreateCustomerGroup::uid`]): that is
    /// how it is found. A create whose answer is lost is settled by reading
    /// the UID back (never a twin, never an error for a create that
    /// landed); so is a rename whose every answer was lost.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let flow = flowretail_sdk::sandbox::FlowRetailSandbox::start()?.client()?;
    /// use flowretail_sdk::{CreateCustomerGroup, Ensured};
    ///
    /// let vip = CreateCustomerGroup::new("VIP").uid("vip");
    /// assert!(matches!(flow.customer_groups().ensure(vip.clone()).await?, Ensured::Created(_)));
    /// assert!(matches!(flow.customer_groups().ensure(vip).await?, Ensured::Unchanged(_)));
    /// let renamed = CreateCustomerGroup::new("Very important").uid("vip");
    /// let outcome = flow.customer_groups().ensure(renamed).await?;
    /// assert_eq!(outcome.resource().name, "Very important");
    /// # Ok(())
    /// # }
    /// ```
    pub fn ensure(&self, group: CreateCustomerGroup) -> Call<Ensured<CustomerGroup>> {
        let groups = self.clone();
        calls::several(
            self.client.http(),
            "ensure_customer_group",
            group.customer_group_uid.clone(),
            move |sender| async move {
                let uid = wanted_uid(&group)?.to_owned();
                let current = groups.read_if_any(&uid, &sender).await?;
                groups.ensure_from(group, current, &sender).await
            },
        )
    }

    /// [`ensure`](Self::ensure) for many groups, reading what the tenant
    /// holds by walking the group list once instead of one read per group:
    /// for groups already as asked, that walk and no write.
    ///
    /// The outcomes come in the groups' order, one each; one group's
    /// failure (no UID, a UID given twice) does not stop the others. Up to
    /// [`reconcile::ensure_concurrency`] are written at once (as many as the
    /// client's governor lets requests be in flight). The
    /// call fails as a whole only when the list cannot be read to its end.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let flow = flowretail_sdk::sandbox::FlowRetailSandbox::start()?.client()?;
    /// use flowretail_sdk::{CreateCustomerGroup, Tally};
    ///
    /// let groups: Vec<_> = (1..=30)
    ///     .map(|n| CreateCustomerGroup::new(format!("Store {n}")).uid(format!("store-{n}")))
    ///     .collect();
    /// let first = flow.customer_groups().ensure_all(groups.clone()).await?;
    /// assert_eq!(Tally::of(&first).created, 30);
    /// let second = flow.customer_groups().ensure_all(groups).await?;
    /// assert!(!Tally::of(&second).wrote_anything());
    /// # Ok(())
    /// # }
    /// ```
    pub fn ensure_all(
        &self,
        groups: impl IntoIterator<Item = CreateCustomerGroup>,
    ) -> Call<Vec<Result<Ensured<CustomerGroup>>>> {
        let wanted: Vec<CreateCustomerGroup> = groups.into_iter().collect();
        let groups = self.clone();
        calls::several(
            self.client.http(),
            "ensure_customer_groups",
            None,
            move |sender| async move {
                let mut current: HashMap<String, CustomerGroup> = groups
                    .list()
                    .page_size(READ_PAGE_SIZE)
                    .with_call_options(sender.options().clone())
                    .items()
                    .map_ok(|group| (group.customer_group_uid.clone(), group))
                    .try_collect()
                    .await?;
                let items = with_distinct_uids(wanted)
                    .into_iter()
                    .map(|item| item.map(|(uid, group)| (group, current.remove(&uid))))
                    .collect();
                Ok(reconcile::for_each(
                    items,
                    reconcile::ensure_concurrency(groups.client.http()),
                    |item| async {
                        let (group, found) = item?;
                        groups.ensure_from(group, found, &sender).await
                    },
                )
                .await)
            },
        )
    }

    /// Makes the group's members exactly `customer_uids`: adds the missing
    /// ones and removes the others in one request, and writes nothing when
    /// they already are. The members are read by walking the group's
    /// customer list; a change whose every answer was lost is settled by
    /// reading them again (adding and removing are set operations, so a
    /// replay changes nothing twice).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> flowretail_sdk::Result<()> {
    /// # let sandbox = flowretail_sdk::sandbox::FlowRetailSandbox::start()?;
    /// # let flow = sandbox.client()?;
    /// # let uids = sandbox.seed_customers(3);
    /// use flowretail_sdk::{CreateCustomerGroup, Ensured};
    ///
    /// flow.customer_groups().ensure(CreateCustomerGroup::new("VIP").uid("vip")).await?;
    /// let members = flow.customer_groups().ensure_members("vip", uids.clone()).await?;
    /// assert!(matches!(members, Ensured::Updated { changes: 3, .. }));
    /// // One fewer: one removal, nothing else sent.
    /// let fewer = flow.customer_groups().ensure_members("vip", &uids[..2]).await?;
    /// assert!(matches!(fewer, Ensured::Updated { changes: 1, .. }));
    /// assert_eq!(fewer.resource().customer_uids.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn ensure_members<I, S>(
        &self,
        uid: impl Into<String>,
        customer_uids: I,
    ) -> Call<Ensured<GroupMembers>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let wanted = GroupMembers {
            group_uid: uid.into(),
            customer_uids: customer_uids
                .into_iter()
                .map(|uid| uid.as_ref().to_owned())
                .collect(),
        };
        let groups = self.clone();
        calls::several(
            self.client.http(),
            "ensure_customer_group_customers",
            Some(wanted.group_uid.clone()),
            move |sender| async move { groups.members_towards(wanted, &sender).await },
        )
    }

    async fn read_if_any(&self, uid: &str, sender: &CallSender) -> Result<Option<CustomerGroup>> {
        sender.send_json_if_found(self.get_request(uid)).await
    }

    async fn ensure_from(
        &self,
        group: CreateCustomerGroup,
        current: Option<CustomerGroup>,
        sender: &CallSender,
    ) -> Result<Ensured<CustomerGroup>> {
        match current {
            Some(current) => self.rename_towards(current, &group.name, sender).await,
            None => self.create_settled(&group, sender).await,
        }
    }

    /// Creates the group; a lost answer is settled by reading the UID back:
    /// found, the create landed (or another writer's did, and its name is
    /// made right); not found, it is sent again.
    async fn create_settled(
        &self,
        group: &CreateCustomerGroup,
        sender: &CallSender,
    ) -> Result<Ensured<CustomerGroup>> {
        let uid = wanted_uid(group)?;
        let mut may_have_landed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match sender.send_json(self.create_request(group)).await {
                Ok(created) => return Ok(Ensured::Created(created)),
                Err(error) => error,
            };
            if !error.request_may_have_been_sent() {
                return Err(error);
            }
            may_have_landed |= error.outcome_unknown();
            match self.read_if_any(uid, sender).await? {
                Some(found) if may_have_landed && found.name == group.name => {
                    return Ok(Ensured::Created(found));
                }
                Some(found) => return self.rename_towards(found, &group.name, sender).await,
                None if error.outcome_unknown() && attempt < CREATE_ATTEMPTS => {}
                None => return Err(error),
            }
        }
    }

    /// Renames `current` to `name` unless it has it; a rename whose every
    /// answer was lost is read back.
    async fn rename_towards(
        &self,
        mut current: CustomerGroup,
        name: &str,
        sender: &CallSender,
    ) -> Result<Ensured<CustomerGroup>> {
        if current.name == name {
            return Ok(Ensured::Unchanged(current));
        }
        let uid = current.customer_group_uid.clone();
        let mut rereads = 0;
        loop {
            let request = self.update_request(&uid, &UpdateCustomerGroup::name(name));
            let renamed = match sender.send_json::<CustomerGroup>(request).await {
                Ok(renamed) => renamed,
                Err(error) if error.outcome_unknown() && rereads < REREADS => {
                    rereads += 1;
                    current = self.read_if_any(&uid, sender).await?.ok_or(error)?;
                    if current.name != name {
                        continue;
                    }
                    // The rename whose answer was lost had landed.
                    current
                }
                Err(error) => return Err(error),
            };
            return Ok(Ensured::Updated {
                resource: renamed,
                changes: 1,
            });
        }
    }

    /// The group's members, read by walking its customer list.
    async fn members(&self, uid: &str, sender: &CallSender) -> Result<BTreeSet<String>> {
        self.customers(uid)
            .page_size(READ_PAGE_SIZE)
            .with_call_options(sender.options().clone())
            .items()
            .map_ok(|customer| customer.customer_uid)
            .try_collect()
            .await
    }

    async fn members_towards(
        &self,
        wanted: GroupMembers,
        sender: &CallSender,
    ) -> Result<Ensured<GroupMembers>> {
        check_uid("customerGroupUid", &wanted.group_uid)?;
        let mut rereads = 0;
        let mut changes = 0usize;
        loop {
            let current = self.members(&wanted.group_uid, sender).await?;
            let change = GroupMembershipChange::new()
                .add_customers(wanted.customer_uids.difference(&current))
                .remove_customers(current.difference(&wanted.customer_uids));
            let count = change
                .add_customer_uids
                .len()
                .saturating_add(change.remove_customer_uids.len());
            if count == 0 {
                return Ok(if changes == 0 {
                    Ensured::Unchanged(wanted)
                } else {
                    Ensured::Updated {
                        resource: wanted,
                        changes,
                    }
                });
            }
            let request = self.members_request(wanted.group_uid.clone(), &change);
            match sender.send(request).await {
                Ok(_) => {
                    return Ok(Ensured::Updated {
                        resource: wanted,
                        changes: changes.saturating_add(count),
                    });
                }
                // Read again: what landed is not sent again.
                Err(error) if error.outcome_unknown() && rereads < REREADS => {
                    rereads += 1;
                    changes = changes.max(count);
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// The UID the group is ensured under: the caller's choice, never the server's.
fn wanted_uid(group: &CreateCustomerGroup) -> Result<&str> {
    let uid = group
        .customer_group_uid
        .as_deref()
        .filter(|uid| !uid.is_empty())
        .ok_or_else(|| {
            Error::invalid_input(
                "customerGroupUid",
                "ensure finds a group by the UID you choose: give it one",
            )
        })?;
    check_uid("customerGroupUid", uid)?;
    Ok(uid)
}

/// Each group with its UID, or why it cannot be ensured (no UID, or one
/// an earlier group gives too).
fn with_distinct_uids(
    groups: Vec<CreateCustomerGroup>,
) -> Vec<Result<(String, CreateCustomerGroup)>> {
    let mut seen = std::collections::HashSet::new();
    groups
        .into_iter()
        .map(|group| {
            let uid = wanted_uid(&group)?.to_owned();
            if !seen.insert(uid.clone()) {
                return Err(Error::invalid_input(
                    "customerGroupUid",
                    format!("the UID `{uid}` is given by an earlier group too"),
                ));
            }
            Ok((uid, group))
        })
        .collect()
}

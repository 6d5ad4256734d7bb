//! Reconciling customer groups by key: [`CustomerGroups::ensure`] and
//! [`CustomerGroups::ensure_all`].

use std::collections::{HashMap, HashSet};

use sdk_core::reconcile::{self, Ensured};
use sdk_core::vendor::calls::{self, CallSender};
use sdk_core::{Call, Error, Result};

use super::{CustomerGroups, Target};
use crate::error::{CtErrorCode, CtErrorExt};
use crate::model::{CustomerGroup, CustomerGroupDraft, PagedQueryResult, check_key};
use crate::update::{CustomerGroupUpdate, MAX_ACTIONS, UpdateAction};

/// How many times a create is sent when its answers are lost and reading
/// back does not find the group.
const CREATE_ATTEMPTS: u32 = 3;

/// How many times an `ensure` reads the group again after an update met
/// another writer's change or lost every answer, before it gives up with
/// that error.
const REREADS: u32 = 3;

/// The most keys one `key in (...)` read of `ensure_all` asks for: the API's page limit.
pub const KEYS_PER_READ: usize = 500;

/// The most text the keys of one read take in its URL. Servers limit a
/// request's head (Node's HTTP server, which commercetools-mock runs on,
/// to 16 KiB by default), so longer keys are asked for in smaller groups:
/// 500 keys of up to 16 characters fit in one read.
pub const KEY_TEXT_PER_READ: usize = 14 * 1024;

/// The expansion that lets a diff compare a type named by key, and field
/// values by their definitions.
const TYPE_EXPANSION: &str = "custom.type";

impl CustomerGroups {
    /// Makes the group with the draft's key hold what the draft describes,
    /// with the fewest writes: creates it when no group has the key,
    /// updates only what differs ([`UpdateAction::diff`]) when one does,
    /// and writes nothing when it already matches. Returns what it did,
    /// with the group as the server now holds it.
    ///
    /// - The draft must have a key: that is how the group is found.
    /// - A name held by a group with another key fails with
    ///   [`Error::Taken`] naming that group: names are unique in a
    ///   project, and `ensure` never adopts or renames another group.
    /// - Every write is applied at most once. A create whose answer is lost
    ///   is settled by reading the key back (never a twin, never an error
    ///   for a create that landed); an update's replay that meets its own
    ///   landed change is recognised as [`update`](Self::update) does.
    /// - Another writer's change in between (409) is read and diffed again,
    ///   a few times.
    /// - More than [`MAX_ACTIONS`] changes go in several requests, each at
    ///   the version the previous one returned.
    /// - When the draft has custom fields, the group is read with
    ///   `expand=custom.type`, so that a type named by key and field values
    ///   of typed fields compare as the API holds them.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// use ct_customer_groups_sdk::{CustomerGroupDraft, Ensured};
    ///
    /// let draft = CustomerGroupDraft::new("Gold members").key("gold");
    /// let first = ct.customer_groups().ensure(draft.clone()).await?;
    /// assert!(matches!(first, Ensured::Created(_)));
    /// // The same state again writes nothing.
    /// let again = ct.customer_groups().ensure(draft).await?;
    /// assert!(matches!(again, Ensured::Unchanged(_)));
    /// // A new name is one `changeName`.
    /// let renamed = ct.customer_groups().ensure(CustomerGroupDraft::new("Gold").key("gold")).await?;
    /// assert!(matches!(renamed, Ensured::Updated { changes: 1, .. }));
    /// assert_eq!(renamed.resource().name, "Gold");
    /// # Ok(())
    /// # }
    /// ```
    pub fn ensure(&self, draft: CustomerGroupDraft) -> Call<Ensured<CustomerGroup>> {
        let groups = self.reconciling(std::slice::from_ref(&draft));
        calls::several(
            self.client.http(),
            "ensure_customer_group",
            draft.key.clone(),
            move |sender| async move {
                let key = draft_key(&draft)?.to_owned();
                let current = groups.read_if_any(&Target::Key(key), &sender).await?;
                groups.ensure_from(draft, current, &sender).await
            },
        )
    }

    /// [`ensure`](Self::ensure) for many drafts, reading what the project
    /// holds by listing (`where=key in (...)`, up to [`KEYS_PER_READ`]
    /// keys a read, fewer when their text passes [`KEY_TEXT_PER_READ`])
    /// instead of one read per draft: for groups already as asked, one read
    /// per 500 (keys of up to 16 characters) and no write.
    ///
    /// The outcomes come in the drafts' order, one per draft; one draft's
    /// failure (no key, a key given twice, a taken name) does not stop the
    /// others. As many drafts are written at once as the client's governor
    /// lets requests be in flight ([`reconcile::ensure_concurrency`]: 16 at
    /// first; `Governor::max_concurrency(n)` caps it). The call fails as a whole only when the current
    /// state cannot be read.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> ct_customer_groups_sdk::Result<()> {
    /// # let ct = ct_customer_groups_sdk::sandbox::CtSandbox::start()?.client()?;
    /// use ct_customer_groups_sdk::{CustomerGroupDraft, Tally};
    ///
    /// let drafts: Vec<_> = (1..=30)
    ///     .map(|n| CustomerGroupDraft::new(format!("Store {n}")).key(format!("store-{n}")))
    ///     .collect();
    /// let first = ct.customer_groups().ensure_all(drafts.clone()).await?;
    /// assert_eq!(Tally::of(&first).created, 30);
    /// let second = ct.customer_groups().ensure_all(drafts).await?;
    /// assert!(!Tally::of(&second).wrote_anything());
    /// # Ok(())
    /// # }
    /// ```
    pub fn ensure_all(
        &self,
        drafts: impl IntoIterator<Item = CustomerGroupDraft>,
    ) -> Call<Vec<Result<Ensured<CustomerGroup>>>> {
        let drafts: Vec<CustomerGroupDraft> = drafts.into_iter().collect();
        let groups = self.reconciling(&drafts);
        calls::several(
            self.client.http(),
            "ensure_customer_groups",
            None,
            move |sender| async move {
                let keys = distinct_keys(&drafts);
                let mut current = groups.read_by_keys(&keys, &sender).await?;
                let items: Vec<_> = drafts
                    .into_iter()
                    .zip(keys)
                    .map(|(draft, key)| {
                        let found = key.as_ref().ok().and_then(|key| current.remove(key));
                        key.map(|_| (draft, found))
                    })
                    .collect();
                let outcomes = reconcile::for_each(
                    items,
                    reconcile::ensure_concurrency(groups.client.http()),
                    |item| async {
                        let (draft, found) = item?;
                        groups.ensure_from(draft, found, &sender).await
                    },
                )
                .await;
                Ok(outcomes)
            },
        )
    }

    /// This handle, expanding the custom type when any draft has custom fields.
    fn reconciling(&self, drafts: &[CustomerGroupDraft]) -> Self {
        let wants_types = drafts.iter().any(|draft| draft.custom.is_some());
        if wants_types && !self.expand.iter().any(|path| path == TYPE_EXPANSION) {
            self.expand(TYPE_EXPANSION)
        } else {
            self.clone()
        }
    }

    /// The group `target` names, or `None` when the API says there is none.
    async fn read_if_any(
        &self,
        target: &Target,
        sender: &CallSender,
    ) -> Result<Option<CustomerGroup>> {
        match self.read(target, sender).await {
            Ok(group) => Ok(Some(group)),
            Err(error) if is_resource_not_found(&error) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The groups that hold `keys` (the valid ones), by key: one read per
    /// [`KEYS_PER_READ`] keys (fewer when their text passes
    /// [`KEY_TEXT_PER_READ`]).
    async fn read_by_keys(
        &self,
        keys: &[Result<String>],
        sender: &CallSender,
    ) -> Result<HashMap<String, CustomerGroup>> {
        let keys: Vec<&str> = keys.iter().filter_map(|key| key.as_deref().ok()).collect();
        let mut found = HashMap::with_capacity(keys.len());
        for batch in key_batches(&keys) {
            let query = self.expand.iter().fold(
                self.query()
                    .predicate(keys_predicate(&batch))
                    .limit(u32::try_from(KEYS_PER_READ).unwrap_or(u32::MAX))
                    .with_total(true),
                |query, path| query.expand(path),
            );
            let answer = sender.send(query.page_request()).await?;
            let page: PagedQueryResult<CustomerGroup> =
                answer.json_page(u64::try_from(KEYS_PER_READ).unwrap_or(u64::MAX))?;
            if page
                .total
                .is_some_and(|total| total > page.results.len() as u64)
            {
                return Err(Error::incomplete_listing(
                    "ensure_customer_groups",
                    format!(
                        "the server counts {} groups with these {} keys but sent {}",
                        page.total.unwrap_or_default(),
                        batch.len(),
                        page.results.len()
                    ),
                ));
            }
            let asked: HashSet<&str> = batch.iter().copied().collect();
            // A server that ignores the predicate sends other groups too:
            // only the keys asked for count.
            for group in page.results {
                if let Some(key) = group.key.clone().filter(|key| asked.contains(key.as_str())) {
                    found.insert(key, group);
                }
            }
        }
        Ok(found)
    }

    /// Makes the group hold what `draft` describes, from `current`, the
    /// group read under its key (`None`: there was none).
    async fn ensure_from(
        &self,
        draft: CustomerGroupDraft,
        current: Option<CustomerGroup>,
        sender: &CallSender,
    ) -> Result<Ensured<CustomerGroup>> {
        match current {
            Some(group) => self.update_towards(group, &draft, sender).await,
            None => self.create_settled(&draft, sender).await,
        }
    }

    /// Creates the group, settling a lost answer by reading the key back:
    /// found, the create landed (or another writer's did, and what it
    /// holds is diffed); not found, it is sent again.
    async fn create_settled(
        &self,
        draft: &CustomerGroupDraft,
        sender: &CallSender,
    ) -> Result<Ensured<CustomerGroup>> {
        let target = Target::Key(draft_key(draft)?.to_owned());
        let mut may_have_landed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match sender.send_json(self.create_request(draft)).await {
                Ok(group) => return self.completed(group, draft, sender).await,
                Err(error) => error,
            };
            match duplicate_field(&error).as_deref() {
                Some("name") => {
                    if let Some(taken) = self.taken_name(draft, sender).await? {
                        return Err(taken);
                    }
                }
                Some("key") => {}
                _ if error.outcome_unknown() => may_have_landed = true,
                _ => return Err(error),
            }
            if let Some(group) = self.read_if_any(&target, sender).await? {
                if may_have_landed {
                    tracing::debug!("a create whose answer was lost had landed");
                    return self.completed(group, draft, sender).await;
                }
                // Another writer created it meanwhile: what it holds is diffed.
                return self.update_towards(group, draft, sender).await;
            }
            if attempt >= CREATE_ATTEMPTS {
                return Err(error);
            }
        }
    }

    /// A group just created, made to hold what the draft asked for: when
    /// the server's answer lacks part of the draft (a server or emulator
    /// that drops a field on create), the rest is sent as an update.
    async fn completed(
        &self,
        created: CustomerGroup,
        draft: &CustomerGroupDraft,
        sender: &CallSender,
    ) -> Result<Ensured<CustomerGroup>> {
        if UpdateAction::diff(&created, draft).is_empty() {
            return Ok(Ensured::Created(created));
        }
        tracing::debug!("the created group lacks part of the draft: updating it");
        let completed = self.update_towards(created, draft, sender).await?;
        Ok(Ensured::Created(completed.into_resource()))
    }

    /// Sends the diff from `group` to `draft`, in requests of at most
    /// [`MAX_ACTIONS`], each at the version the previous answer returned.
    /// After another writer's change, or an update whose every answer was
    /// lost, the group is read and diffed again, a few times.
    async fn update_towards(
        &self,
        mut group: CustomerGroup,
        draft: &CustomerGroupDraft,
        sender: &CallSender,
    ) -> Result<Ensured<CustomerGroup>> {
        let mut changes = 0usize;
        let mut rereads = 0;
        'diff: loop {
            let actions = UpdateAction::diff(&group, draft);
            if actions.is_empty() {
                return Ok(outcome(group, changes));
            }
            for batch in actions.chunks(MAX_ACTIONS) {
                let update = CustomerGroupUpdate::for_group(&group).actions_from(batch.to_vec());
                let target = Target::Id(group.id.clone());
                match self.send_update(&target, &update, sender).await {
                    Ok(updated) => {
                        group = updated;
                        changes = changes.saturating_add(batch.len());
                    }
                    Err(error) if duplicate_field(&error).as_deref() == Some("name") => {
                        return Err(self.taken_name(draft, sender).await?.unwrap_or(error));
                    }
                    Err(error) if error.conflict_may_be_own_earlier_attempt() => return Err(error),
                    Err(error) if error.is_concurrent_modification() && rereads < REREADS => {
                        rereads += 1;
                        let version = error.current_version();
                        match self.read_caught_up(&target, version, sender).await? {
                            Some(fresh) => group = fresh,
                            None => return Err(error),
                        }
                        continue 'diff;
                    }
                    // Every attempt's answer was lost: whether the update
                    // landed is read, and what is left is diffed again (a
                    // late copy of it meets the version check, never a
                    // double change).
                    Err(error) if error.outcome_unknown() && rereads < REREADS => {
                        rereads += 1;
                        let fresh = self.read(&target, sender).await?;
                        if fresh.version > update.version() {
                            changes = changes.saturating_add(batch.len());
                        }
                        group = fresh;
                        continue 'diff;
                    }
                    Err(error) => return Err(error),
                }
            }
            // Every action was sent and accepted: what the last answer holds is the result.
            return Ok(outcome(group, changes));
        }
    }

    /// The API refused the draft's name as taken: [`Error::Taken`] naming
    /// the group with another key that holds it (`None` when the holder
    /// has the draft's key, or cannot be found).
    async fn taken_name(
        &self,
        draft: &CustomerGroupDraft,
        sender: &CallSender,
    ) -> Result<Option<Error>> {
        let query = self
            .query()
            .name_is(&draft.group_name)
            .limit(1)
            .with_total(false);
        let page: PagedQueryResult<CustomerGroup> =
            sender.send(query.page_request()).await?.json_page(1)?;
        Ok(page
            .results
            .into_iter()
            .next()
            .filter(|holder| holder.key != draft.key)
            .map(|holder| {
                sdk_core::error::Taken::new("name", draft.group_name.clone(), holder.id, holder.key)
                    .into()
            }))
    }
}

/// `Unchanged` when nothing was written, `Updated` with the count otherwise.
fn outcome(group: CustomerGroup, changes: usize) -> Ensured<CustomerGroup> {
    if changes == 0 {
        Ensured::Unchanged(group)
    } else {
        Ensured::Updated {
            resource: group,
            changes,
        }
    }
}

/// The draft's key: `ensure` finds a group by it.
fn draft_key(draft: &CustomerGroupDraft) -> Result<&str> {
    let key = draft.key.as_deref().ok_or_else(|| {
        Error::invalid_input("key", "ensure finds a group by its key: give the draft one")
    })?;
    check_key("key", key)?;
    Ok(key)
}

/// Each draft's key, or why it cannot be reconciled (none, malformed, or
/// given by an earlier draft too).
fn distinct_keys(drafts: &[CustomerGroupDraft]) -> Vec<Result<String>> {
    let mut seen = HashSet::new();
    drafts
        .iter()
        .map(|draft| {
            let key = draft_key(draft)?;
            if !seen.insert(key) {
                return Err(Error::invalid_input(
                    "key",
                    format!("the key `{key}` is given by an earlier draft too"),
                ));
            }
            Ok(key.to_owned())
        })
        .collect()
}

/// `key in ("a", "b", ...)` for keys that [`draft_key`] checked.
///
/// The keys are written as literals, not input variables: a key checked
/// against the key pattern (`A-Z a-z 0-9 _ -`) holds no quote or
/// backslash, so it cannot change the predicate, and a literal costs less
/// of the request head than a variable. One list variable (`key in :keys`)
/// would be shorter still, but commercetools-mock reads at most 20 values
/// of a repeated query parameter and then matches nothing, which would
/// make every group look absent.
fn keys_predicate(keys: &[&str]) -> String {
    let literals: Vec<String> = keys
        .iter()
        .filter(|key| check_key("key", key).is_ok())
        .map(|key| format!("\"{key}\""))
        .collect();
    format!("key in ({})", literals.join(", "))
}

/// `keys` in groups of at most [`KEYS_PER_READ`] and [`KEY_TEXT_PER_READ`] bytes.
fn key_batches<'a>(keys: &[&'a str]) -> Vec<Vec<&'a str>> {
    let mut batches: Vec<Vec<&str>> = Vec::new();
    let mut text = 0usize;
    for &key in keys {
        // `%22key%22%2C%20` as the URL writes it.
        let cost = key.len().saturating_add(12);
        let full = batches.last().is_none_or(|batch| {
            batch.len() >= KEYS_PER_READ || text.saturating_add(cost) > KEY_TEXT_PER_READ
        });
        if full {
            batches.push(Vec::new());
            text = 0;
        }
        text = text.saturating_add(cost);
        if let Some(batch) = batches.last_mut() {
            batch.push(key);
        }
    }
    batches
}

/// The field a `DuplicateField` refusal names.
fn duplicate_field(error: &Error) -> Option<String> {
    error
        .ct_errors()
        .into_iter()
        .find_map(|entry| match entry.code {
            CtErrorCode::DuplicateField { field, .. }
            | CtErrorCode::DuplicateFieldWithConflictingResource { field, .. } => field,
            _ => None,
        })
}

/// A 404 the API answered (`ResourceNotFound`, or no vendor code at all).
fn is_resource_not_found(error: &Error) -> bool {
    error.is_not_found()
        && error
            .ct_errors()
            .iter()
            .all(|entry| matches!(entry.code, CtErrorCode::ResourceNotFound))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_go_in_batches_of_500_or_fewer_when_long() {
        let short: Vec<String> = (0..1_001).map(|n| format!("k{n:05}")).collect();
        let short: Vec<&str> = short.iter().map(String::as_str).collect();
        let sizes: Vec<usize> = key_batches(&short).iter().map(Vec::len).collect();
        assert_eq!(sizes, [500, 500, 1]);
        let long = "k".repeat(256);
        let long: Vec<&str> = vec![long.as_str(); 100];
        let batches = key_batches(&long);
        assert!(batches.len() > 1);
        assert!(
            batches
                .iter()
                .all(|batch| batch.len() * 268 <= KEY_TEXT_PER_READ)
        );
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 100);
    }
}

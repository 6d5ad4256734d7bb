//! Reconciling customers by the id the caller chooses:
//! [`Customers::ensure`] and [`Customers::ensure_all`].

use std::collections::{HashMap, HashSet};

use sdk_core::reconcile::{self, Ensured};
use sdk_core::vendor::calls::{self, CallSender};
use sdk_core::{Call, Error, Result};

use super::{Customers, all, get_request, list_request};
use crate::ids::CustomerId;
use crate::model::{Customer, CustomerDraft, CustomerList, CustomerPatch, CustomerWithoutId};

/// How many times a write whose every answer was lost is read back (and,
/// when it did not land, sent again) before `ensure` gives up with its error.
const REREADS: u32 = 3;

impl Customers {
    /// Makes the customer with the id the caller chose hold what `draft`
    /// describes, with the fewest writes: creates it under that id when
    /// absent (`PUT /customers/{id}`), patches only the fields that differ
    /// when it exists ([`CustomerPatch::diff`]: a PUT would erase what the
    /// draft leaves out, such as addresses entered at the till), and
    /// writes nothing when it matches.
    ///
    /// The id is what finds the customer: customer numbers are not unique,
    /// the document says. A create or patch whose every answer was lost is
    /// settled by reading the customer back: never a twin, never an error
    /// for a write that landed. A patch that adds an address is sent again
    /// only when reading back shows it did not land; one still in flight
    /// past its timeout could then add the address twice (the API offers no
    /// way to tell).
    ///
    /// Customer groups and discounts have no `ensure`: their ids are the
    /// server's, and nothing else about them is unique, so there is no key
    /// to find the one a draft means.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // the group the document names
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::{CustomerDraft, CustomerId, Ensured};
    ///
    /// let id = CustomerId::text("crm-4711");
    /// let draft = CustomerDraft::new("4711", "9168aa78-e0a3-42ec-a43c-87f0ad666f69").last_name("Connor");
    /// assert!(matches!(pos.customers().ensure(id.clone(), draft.clone()).await?, Ensured::Created(_)));
    /// assert!(matches!(pos.customers().ensure(id.clone(), draft.clone()).await?, Ensured::Unchanged(_)));
    /// // One field more: a PATCH of that field alone.
    /// let outcome = pos.customers().ensure(id, draft.first_name("Sarah")).await?;
    /// assert!(matches!(outcome, Ensured::Updated { changes: 1, .. }));
    /// # Ok(())
    /// # }
    /// ```
    pub fn ensure(
        &self,
        id: impl Into<CustomerId>,
        draft: CustomerDraft,
    ) -> Call<Ensured<Customer>> {
        let id = id.into();
        let customers = self.clone();
        calls::several(
            self.client.http(),
            "ensure_customer",
            Some(id.to_string()),
            move |sender| async move {
                let current = sender.send_json_if_found(get_request(&id)).await?;
                customers.ensure_from(id, draft, current, &sender).await
            },
        )
    }

    /// [`ensure`](Self::ensure) for many customers, reading what the
    /// operator holds with one `GET /customers` instead of one read per
    /// customer: for customers already as asked, that read and no write.
    ///
    /// The outcomes come in the input's order, one each; one customer's
    /// failure (an id given twice, a refused field) does not stop the
    /// others. Up to [`reconcile::ensure_concurrency`] (as many as the client's
    /// governor lets requests be in flight) are written
    /// at once. The call fails as a whole only when the list cannot be read.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // the group the document names
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::{CustomerDraft, CustomerId, Tally};
    ///
    /// let group = "9168aa78-e0a3-42ec-a43c-87f0ad666f69";
    /// let wanted: Vec<_> = (1..=20)
    ///     .map(|n| (CustomerId::text(format!("crm-{n}")), CustomerDraft::new(n.to_string(), group)))
    ///     .collect();
    /// let first = pos.customers().ensure_all(wanted.clone()).await?;
    /// assert_eq!(Tally::of(&first).created, 20);
    /// let second = pos.customers().ensure_all(wanted).await?;
    /// assert!(!Tally::of(&second).wrote_anything());
    /// # Ok(())
    /// # }
    /// ```
    pub fn ensure_all(
        &self,
        customers: impl IntoIterator<Item = (CustomerId, CustomerDraft)>,
    ) -> Call<Vec<Result<Ensured<Customer>>>> {
        let wanted: Vec<(CustomerId, CustomerDraft)> = customers.into_iter().collect();
        let handle = self.clone();
        calls::several(
            self.client.http(),
            "ensure_customers",
            None,
            move |sender| async move {
                let list: CustomerList = sender.send_json(list_request()).await?;
                let mut current: HashMap<CustomerId, Customer> = all(list)
                    .into_iter()
                    .map(|customer| (customer.id.clone(), customer))
                    .collect();
                let mut seen = HashSet::new();
                let items: Vec<_> = wanted
                    .into_iter()
                    .map(|(id, draft)| {
                        if !seen.insert(id.clone()) {
                            return Err(Error::invalid_input(
                                "id",
                                format!("the customer id `{id}` is given by an earlier entry too"),
                            ));
                        }
                        let found = current.remove(&id);
                        Ok((id, draft, found))
                    })
                    .collect();
                Ok(reconcile::for_each(
                    items,
                    reconcile::ensure_concurrency(handle.client.http()),
                    |item| async {
                        let (id, draft, found) = item?;
                        handle.ensure_from(id, draft, found, &sender).await
                    },
                )
                .await)
            },
        )
    }

    async fn ensure_from(
        &self,
        id: CustomerId,
        draft: CustomerDraft,
        current: Option<Customer>,
        sender: &CallSender,
    ) -> Result<Ensured<Customer>> {
        match current {
            Some(current) => self.patch_towards(id, current, &draft, sender).await,
            None => self.create_settled(id, &draft, sender).await,
        }
    }

    /// Creates the customer under `id` with an idempotent `PUT` (the SDK
    /// retries it); when every answer is lost, reads it back: found, the
    /// create landed and what differs is patched; not found, it is sent again.
    async fn create_settled(
        &self,
        id: CustomerId,
        draft: &CustomerDraft,
        sender: &CallSender,
    ) -> Result<Ensured<Customer>> {
        let mut rereads = 0;
        loop {
            let error = match sender
                .send_json::<Customer>(self.replace_request(&id, draft))
                .await
            {
                // Created or replaced: a replace means an earlier attempt created it.
                Ok(created) => return Ok(Ensured::Created(created)),
                Err(error) => error,
            };
            if !error.outcome_unknown() || rereads >= REREADS {
                return Err(error);
            }
            rereads += 1;
            if let Some(found) = sender.send_json_if_found(get_request(&id)).await? {
                return Ok(match self.patch_towards(id, found, draft, sender).await? {
                    Ensured::Unchanged(customer) => Ensured::Created(customer),
                    other => other,
                });
            }
        }
    }

    /// Patches what differs between `current` and `draft`; a patch whose
    /// answer was lost is read back and diffed again.
    async fn patch_towards(
        &self,
        id: CustomerId,
        mut current: Customer,
        draft: &CustomerDraft,
        sender: &CallSender,
    ) -> Result<Ensured<Customer>> {
        let mut rereads = 0;
        let mut changes = None;
        loop {
            let patch = CustomerPatch::diff(&current, draft);
            if patch.is_empty() {
                return Ok(match changes {
                    None => Ensured::Unchanged(current),
                    Some(changes) => Ensured::Updated {
                        resource: current,
                        changes,
                    },
                });
            }
            let changes_now = *changes.get_or_insert(patch.change_count());
            match sender
                .send_json::<CustomerWithoutId>(self.patch_request(&id, &patch))
                .await
            {
                Ok(patched) => {
                    return Ok(Ensured::Updated {
                        resource: patched.with_id(id),
                        changes: changes_now,
                    });
                }
                Err(error) if error.outcome_unknown() && rereads < REREADS => {
                    rereads += 1;
                    current = sender
                        .send_json_if_found(get_request(&id))
                        .await?
                        .ok_or(error)?;
                }
                Err(error) => return Err(error),
            }
        }
    }
}

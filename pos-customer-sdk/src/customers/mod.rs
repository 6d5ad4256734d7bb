//! The customer endpoints: `/customers`.

use chrono::NaiveDate;
use sdk_core::vendor::calls;
use sdk_core::{Call, Request, Response, Result};

use crate::client::PosClient;
use crate::ids::CustomerId;
use crate::model::{
    Customer, CustomerDraft, CustomerIdList, CustomerList, CustomerPatch, CustomerWithoutId,
    Upserted, WithId,
};
use crate::validation::{in_entry, validate_draft, validate_patch};

mod changes;
mod ensure;

pub use changes::DEFAULT_FEED_OVERLAP;

/// The customer endpoints. Get one with [`PosClient::customers`].
#[derive(Debug, Clone)]
pub struct Customers {
    client: PosClient,
}

impl Customers {
    pub(crate) fn new(client: PosClient) -> Self {
        Self { client }
    }

    /// `GET /customers/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let customer = pos.customers().get("231b949c-332b-4194-aba5-8f00e828a49b").await?;
    /// assert_eq!(customer.last_name.as_deref(), Some("Hede"));
    /// match pos.customers().get("no-such-customer").await {
    ///     Err(error) if error.is_not_found() => println!("not there"),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, id: impl Into<CustomerId>) -> Call<Customer> {
        calls::json(self.client.http(), get_request(&id.into()))
    }

    /// `POST /customers`: creates a customer under an id the server chooses.
    ///
    /// A create is not idempotent, so it is never retried once the request
    /// may have reached the server: a timeout or a 503 could otherwise create
    /// the customer twice. When you need safe retries, choose the id yourself
    /// and use [`replace`](Self::replace): the API creates the customer under
    /// that id, and sending it again only overwrites it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // the group and customer the document names
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::CustomerDraft;
    ///
    /// let draft = CustomerDraft::new("1001", "9168aa78-e0a3-42ec-a43c-87f0ad666f69")
    ///     .first_name("Sarah")
    ///     .last_name("Connor")
    ///     .email("sarah@example.com");
    /// let created = pos.customers().create(draft).await?;
    /// println!("created {:?}", created.id);
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, draft: CustomerDraft) -> Call<Customer> {
        let checked = self.client.check(|| validate_draft(&draft));
        let request = Request::post("create_customer")
            .segment("customers")
            .json(&draft);
        calls::json(self.client.http(), request.check(checked))
    }

    /// `PUT /customers/{id}`: replaces the customer, or creates it under `id`
    /// when none exists. The answer says which happened (201 or 200).
    ///
    /// Safe to retry: with an id you chose ([`CustomerId::new_uuid`]) this is
    /// the idempotent way to create a customer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // the group and customer the document names
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::{CustomerDraft, CustomerId, Upserted};
    ///
    /// let id = CustomerId::new_uuid();
    /// let draft = CustomerDraft::new("1002", "9168aa78-e0a3-42ec-a43c-87f0ad666f69");
    /// match pos.customers().replace(id, draft).await? {
    ///     Upserted::Created(customer) => println!("new: {:?}", customer.id),
    ///     Upserted::Replaced(customer) => println!("overwritten: {:?}", customer.id),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn replace(
        &self,
        id: impl Into<CustomerId>,
        draft: CustomerDraft,
    ) -> Call<Upserted<Customer>> {
        calls::decoded(
            self.client.http(),
            self.replace_request(&id.into(), &draft),
            |response| upserted(response, Response::json),
        )
    }

    fn replace_request(&self, id: &CustomerId, draft: &CustomerDraft) -> Request {
        let checked = self.client.check(|| validate_draft(draft));
        Request::put("replace_customer")
            .segment("customers")
            .id_segment("customer id", id.to_string())
            .json(draft)
            .check(checked)
    }

    /// `PATCH /customers/{id}`: changes only the fields the patch sets. An
    /// address with an id updates that address; one without is added.
    ///
    /// Not retried once it may have reached the server, because an added
    /// address would be added twice.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // the group and customer the document names
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::{Address, CustomerPatch};
    ///
    /// let patch = CustomerPatch::new()
    ///     .active(false)
    ///     .address(Address::new().street("Baker").building("221b").city("London"));
    /// let customer = pos
    ///     .customers()
    ///     .patch("231b949c-332b-4194-aba5-8f00e828a49b", patch)
    ///     .await?;
    /// println!("{} addresses", customer.addresses.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn patch(&self, id: impl Into<CustomerId>, patch: CustomerPatch) -> Call<Customer> {
        let id = id.into();
        // The document's PATCH answer has no id: the one patched is it.
        calls::json(self.client.http(), self.patch_request(&id, &patch))
            .map(move |patched: CustomerWithoutId| patched.with_id(id))
    }

    fn patch_request(&self, id: &CustomerId, patch: &CustomerPatch) -> Request {
        let checked = self.client.check(|| validate_patch(patch));
        Request::patch("patch_customer")
            .segment("customers")
            .id_segment("customer id", id.to_string())
            .json(patch)
            .check(checked)
    }

    /// `GET /customers`: every customer of the operator.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let customers = pos.customers().list().await?;
    /// println!("{} customers", customers.len());
    /// assert!(customers.iter().any(|c| c.id.to_string() == "231b949c-332b-4194-aba5-8f00e828a49b"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> Call<Vec<Customer>> {
        calls::json(self.client.http(), list_request()).map(all)
    }

    /// `GET /customers`, decoded to the ids alone ([`CustomerIdList`]): what
    /// the feed's delete pass reads, at a fraction of the memory of
    /// [`list`](Self::list).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// let ids = pos.customers().list_ids().await?;
    /// assert!(ids.iter().any(|id| id.to_string() == "231b949c-332b-4194-aba5-8f00e828a49b"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_ids(&self) -> Call<Vec<CustomerId>> {
        let request = Request::get("list_customer_ids").segment("customers");
        calls::json(self.client.http(), request).map(CustomerIdList::into_ids)
    }

    /// `GET /customers/{YYYY-MM-DD}/modified`: the customers changed since `date`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // the group and customer the document names
    /// # let pos = sandbox.client()?;
    /// let since = pos_customer_sdk::NaiveDate::from_ymd_opt(2024, 1, 31).expect("a valid date");
    /// let changed = pos.customers().list_modified_since(since).await?;
    /// println!("{} customers changed since {since}", changed.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_modified_since(&self, date: NaiveDate) -> Call<Vec<Customer>> {
        calls::json(self.client.http(), modified_request(date)).map(all)
    }

    /// `PUT /customers/list`: replaces or creates many customers by id. The
    /// answer says whether any was created (201) or all were replaced (200).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::{CustomerDraft, CustomerId};
    ///
    /// let group = "9168aa78-e0a3-42ec-a43c-87f0ad666f69";
    /// let (first, second) = (CustomerId::new_uuid(), CustomerId::new_uuid());
    /// let saved = pos
    ///     .customers()
    ///     .replace_many(vec![
    ///         (first, CustomerDraft::new("2001", group).last_name("Reese")),
    ///         (second, CustomerDraft::new("2002", group).last_name("Connor")),
    ///     ])
    ///     .await?;
    /// assert!(saved.was_created());
    /// assert_eq!(saved.get().len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn replace_many(
        &self,
        customers: Vec<(CustomerId, CustomerDraft)>,
    ) -> Call<Upserted<Vec<Customer>>> {
        let checked = self.client.check(|| {
            customers
                .iter()
                .enumerate()
                .try_for_each(|(i, (_, draft))| {
                    validate_draft(draft).map_err(|invalid| in_entry(i, invalid))
                })
        });
        let body: Vec<WithId<'_, CustomerDraft>> = customers
            .iter()
            .map(|(id, fields)| WithId { id, fields })
            .collect();
        let request = Request::put("replace_customers")
            .segment("customers")
            .segment("list")
            .json(&body);
        calls::decoded(self.client.http(), request.check(checked), |response| {
            upserted(response, |response| response.json().map(all))
        })
    }

    /// `PATCH /customers/list`: patches many customers by id.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> pos_customer_sdk::Result<()> {
    /// # let sandbox = pos_customer_sdk::sandbox::PosSandbox::start()?;
    /// # sandbox.seed_documented_examples(); // what the API document shows
    /// # let pos = sandbox.client()?;
    /// use pos_customer_sdk::CustomerPatch;
    ///
    /// let patched = pos
    ///     .customers()
    ///     .patch_many(vec![(
    ///         "231b949c-332b-4194-aba5-8f00e828a49b".into(),
    ///         CustomerPatch::new().active(false),
    ///     )])
    ///     .await?;
    /// assert_eq!(patched[0].active, Some(false));
    /// # Ok(())
    /// # }
    /// ```
    pub fn patch_many(&self, patches: Vec<(CustomerId, CustomerPatch)>) -> Call<Vec<Customer>> {
        let checked = self.client.check(|| {
            patches.iter().enumerate().try_for_each(|(i, (_, patch))| {
                validate_patch(patch).map_err(|invalid| in_entry(i, invalid))
            })
        });
        let body: Vec<WithId<'_, CustomerPatch>> = patches
            .iter()
            .map(|(id, fields)| WithId { id, fields })
            .collect();
        let request = Request::patch("patch_customers")
            .segment("customers")
            .segment("list")
            .json(&body);
        calls::json(self.client.http(), request.check(checked)).map(all)
    }
}

fn get_request(id: &CustomerId) -> Request {
    Request::get("get_customer")
        .segment("customers")
        .id_segment("customer id", id.to_string())
}

fn modified_request(date: NaiveDate) -> Request {
    Request::get("list_customers_modified_since")
        .segment("customers")
        .param_segment("startDate", date.format("%Y-%m-%d").to_string())
        .segment("modified")
}

fn list_request() -> Request {
    Request::get("list_customers").segment("customers")
}

fn all(list: CustomerList) -> Vec<Customer> {
    list.customers
}

/// 201 is `Created`, any other success `Replaced`.
pub(crate) fn upserted<T>(
    response: Response,
    decode: impl FnOnce(&Response) -> Result<T>,
) -> Result<Upserted<T>> {
    let value = decode(&response)?;
    Ok(
        if response.status() == sdk_core::http::StatusCode::CREATED {
            Upserted::Created(value)
        } else {
            Upserted::Replaced(value)
        },
    )
}

//! The sandbox's state: customers, discounts and groups, and the day it
//! believes it is.

use super::*;

#[derive(Default)]
pub(super) struct Store {
    pub(super) customers: BTreeMap<String, StoredCustomer>,
    pub(super) discounts: BTreeMap<String, Value>,
    pub(super) groups: BTreeMap<String, Value>,
    pub(super) next_id: i64,
    pub(super) sequence: u64,
    pub(super) date: Option<NaiveDate>,
    /// The server's clock: its UTC day stamps changes unless `date` is set.
    pub(super) clock: sdk_core::sandbox::SandboxClock,
}

/// The tables of records filed under integer ids.
#[derive(Clone, Copy)]
pub(super) enum Table {
    Discounts,
    Groups,
}

impl Table {
    /// As the API names it in messages.
    fn name(self) -> &'static str {
        match self {
            Table::Discounts => "discounts",
            Table::Groups => "customer groups",
        }
    }
}

pub(super) struct StoredCustomer {
    pub(super) sequence: u64,
    pub(super) modified: NaiveDate,
    pub(super) fields: Map<String, Value>,
}

impl Store {
    pub(super) fn today(&self) -> NaiveDate {
        self.date
            .unwrap_or_else(|| chrono::DateTime::<chrono::Utc>::from(self.clock.now()).date_naive())
    }

    pub(super) fn next_integer_id(&mut self) -> i64 {
        self.next_id = self.next_id.max(1);
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn table(&mut self, table: Table) -> &mut BTreeMap<String, Value> {
        match table {
            Table::Discounts => &mut self.discounts,
            Table::Groups => &mut self.groups,
        }
    }

    /// Files the record `build(id)` under the next integer id, unless the
    /// table holds as many records as a sandbox keeps (the API's 400).
    pub(super) fn insert_new(
        &mut self,
        table: Table,
        build: impl FnOnce(i64) -> Value,
    ) -> Result<Value, Refusal> {
        if let Some(why) = over_capacity(table.name(), self.table(table).len(), 1) {
            return Err(error(StatusCode::BAD_REQUEST, why));
        }
        let id = self.next_integer_id();
        let record = build(id);
        self.table(table).insert(id.to_string(), record.clone());
        Ok(record)
    }

    /// Deletes record `id` of `table`: 404 (`not_found`) when there is
    /// none, 422 (`in_use`, said before anything changes) when something
    /// still refers to it, and the API's confirmation naming it `what` otherwise.
    pub(super) fn delete_unless_referenced(
        &mut self,
        table: Table,
        id: &str,
        what: &str,
        not_found: impl FnOnce() -> Refusal,
        in_use: impl FnOnce(&Store) -> Option<String>,
    ) -> Answer {
        if !self.table(table).contains_key(id) {
            return Err(not_found());
        }
        if let Some(why) = in_use(self) {
            return Err(error(StatusCode::UNPROCESSABLE_ENTITY, why));
        }
        self.table(table).remove(id);
        ok(
            StatusCode::OK,
            &json!({"result": {"details": format!("{what} {id} was deleted")}}),
        )
    }

    /// The customer as answered: the group's name filled in, read-only defaults present.
    pub(super) fn render_customer(&self, stored: &StoredCustomer) -> Value {
        let mut fields = stored.fields.clone();
        if let Some(group) = fields.get_mut("customerGroup")
            && let Some(found) = self.groups.get(&id_text(&group["id"]))
        {
            group["name"] = found["name"].clone();
        }
        Value::Object(fields)
    }

    pub(super) fn render_group(&self, group: &Value) -> Value {
        let mut group = group.clone();
        if let Some(discount) = group.get_mut("discount")
            && let Some(found) = self.discounts.get(&id_text(&discount["id"]))
        {
            discount["name"] = found["name"].clone();
        }
        group
    }

    pub(super) fn customers_in_order(&self, since: Option<NaiveDate>) -> Vec<Value> {
        let mut stored: Vec<&StoredCustomer> = self
            .customers
            .values()
            .filter(|c| since.is_none_or(|since| c.modified >= since))
            .collect();
        stored.sort_by_key(|c| c.sequence);
        stored.iter().map(|c| self.render_customer(c)).collect()
    }
}

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
}

pub(super) struct StoredCustomer {
    pub(super) sequence: u64,
    pub(super) modified: NaiveDate,
    pub(super) fields: Map<String, Value>,
}

impl Store {
    pub(super) fn today(&self) -> NaiveDate {
        self.date.unwrap_or_else(|| chrono::Utc::now().date_naive())
    }

    pub(super) fn next_integer_id(&mut self) -> i64 {
        self.next_id = self.next_id.max(1);
        let id = self.next_id;
        self.next_id += 1;
        id
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

//! `UpdateAction::diff` over random pairs of (current, desired) groups,
//! with custom fields of every type the specification has: applied in the
//! sandbox it gives the desired state, applied locally it gives the same,
//! and equal pairs give no actions.

use std::collections::BTreeMap;

use ct_customer_groups_sdk::sandbox::{CtSandbox, FieldDefinition, FieldType};
use ct_customer_groups_sdk::{
    CustomFieldsDraft, CustomerGroup, CustomerGroupDraft, CustomerGroupUpdate, ResourceIdentifier,
    UpdateAction, serde_json::Value, serde_json::json,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Every field type, alone and as a set.
fn every_type() -> Vec<(&'static str, FieldType)> {
    let singles = [
        ("bool", FieldType::Boolean),
        ("text", FieldType::String),
        ("ltext", FieldType::LocalizedString),
        ("number", FieldType::Number),
        ("date", FieldType::Date),
        ("time", FieldType::Time),
        ("instant", FieldType::DateTime),
        (
            "enum",
            FieldType::Enum(vec!["gold".into(), "silver".into()]),
        ),
        (
            "lenum",
            FieldType::LocalizedEnum(vec!["x".into(), "y".into()]),
        ),
        ("money", FieldType::Money),
        ("ref", FieldType::Reference("customer".into())),
    ];
    let sets: Vec<(&'static str, FieldType)> = singles
        .iter()
        .map(|(name, kind)| {
            let set_name: &'static str = Box::leak(format!("{name}s").into_boxed_str());
            (set_name, FieldType::Set(Box::new(kind.clone())))
        })
        .collect();
    singles.into_iter().chain(sets).collect()
}

/// A value of `kind` picked by `seed`, in one of the spellings the API
/// takes for it (`1` or `1.0`, an instant at any offset, a time with or
/// without milliseconds).
fn value_of(kind: &FieldType, seed: u64) -> Value {
    let pick = seed % 3;
    let spelling = (seed / 3).is_multiple_of(2);
    let letter = ["a", "b", "c"][pick as usize];
    let currency = ["EUR", "USD", "EUR"][pick as usize];
    match kind {
        FieldType::Boolean => json!(pick == 0),
        FieldType::String => json!(["a", "b", "ç"][pick as usize]),
        FieldType::LocalizedString if spelling => json!({"en": letter}),
        FieldType::LocalizedString => json!({"en": "a", "de": letter}),
        FieldType::Number if spelling => json!(pick),
        FieldType::Number => json!(pick as f64),
        FieldType::Date => json!(format!("2024-01-0{}", pick + 1)),
        FieldType::Time if spelling => json!(format!("10:0{pick}:00")),
        FieldType::Time => json!(format!("10:0{pick}:00.000")),
        FieldType::DateTime if spelling => json!(format!("2024-05-01T1{pick}:00:00Z")),
        FieldType::DateTime => json!(format!("2024-05-01T1{}:00:00+02:00", pick + 2)),
        FieldType::Enum(keys) | FieldType::LocalizedEnum(keys) => {
            json!(keys[(seed % keys.len() as u64) as usize])
        }
        FieldType::Money => json!({"currencyCode": currency, "centAmount": seed % 2}),
        FieldType::Reference(type_id) => json!({"typeId": type_id, "id": format!("c{pick}")}),
        FieldType::Set(element) => {
            let items: Vec<Value> = (0..seed % 4)
                .map(|n| value_of(element, seed.wrapping_mul(31).wrapping_add(n * 7) / 5))
                .collect();
            json!(items)
        }
        _ => Value::Null,
    }
}

/// A group's shape, as the generator makes it.
#[derive(Debug, Clone)]
struct Shape {
    name: u8,
    key: u8,
    custom: Option<CustomShape>,
}

/// The type (0: every type, 1: one with a required field), whether it is
/// named by key, and (field, value seed) pairs.
type CustomShape = (u8, bool, Vec<(u8, u64)>);

fn shapes() -> impl Strategy<Value = Shape> {
    let custom = (
        0u8..2,
        any::<bool>(),
        prop::collection::vec((0u8..32, 0u64..1000), 0..8),
    );
    (0u8..2, 0u8..2, prop::option::weighted(0.8, custom)).prop_map(|(name, key, custom)| Shape {
        name,
        key,
        custom,
    })
}

/// The two types a shape may name, by id and key, with their fields.
struct Types {
    every: (String, Vec<(&'static str, FieldType)>),
    required: (String, Vec<(&'static str, FieldType)>),
}

impl Types {
    fn add_to(sandbox: &CtSandbox) -> Self {
        let every = every_type();
        let every_id = sandbox.add_type_with(
            "every",
            every
                .iter()
                .map(|(name, kind)| FieldDefinition::new(*name, kind.clone())),
        );
        let required = vec![("must", FieldType::String), ("may", FieldType::Money)];
        let required_id = sandbox.add_type_with(
            "required",
            [
                FieldDefinition::new("must", FieldType::String).required(),
                FieldDefinition::new("may", FieldType::Money),
            ],
        );
        Types {
            every: (every_id, every),
            required: (required_id, required),
        }
    }

    /// The draft of `shape` in case `case` (names and keys unique to the case).
    fn draft(&self, case: usize, shape: &Shape, by_id_only: bool) -> CustomerGroupDraft {
        let draft = CustomerGroupDraft::new(format!("Case {case} name {}", shape.name))
            .key(format!("case-{case}-{}", shape.key));
        let Some((which, by_key, fields)) = &shape.custom else {
            return draft;
        };
        let ((id, definitions), key) = match which {
            0 => (&self.every, "every"),
            _ => (&self.required, "required"),
        };
        let identifier = if *by_key && !by_id_only {
            ResourceIdentifier::type_by_key(key)
        } else {
            ResourceIdentifier::type_by_id(id)
        };
        let mut values = BTreeMap::new();
        if *which == 1 {
            values.insert("must".to_owned(), json!("always"));
        }
        for (field, seed) in fields {
            let (name, kind) = &definitions[usize::from(*field) % definitions.len()];
            values.insert((*name).to_owned(), value_of(kind, *seed));
        }
        let custom = values.into_iter().fold(
            CustomFieldsDraft::new(identifier),
            |custom, (name, value)| custom.field(name, value),
        );
        draft.custom(custom)
    }
}

/// `group` as a draft: the state update actions set, its type by id.
fn as_draft(group: &CustomerGroup) -> CustomerGroupDraft {
    let mut draft = CustomerGroupDraft::new(&group.name);
    draft.key = group.key.clone();
    if let Some(custom) = &group.custom {
        let fields: ct_customer_groups_sdk::Map<String, Value> = custom.fields.decode().unwrap();
        let mut custom_draft =
            CustomFieldsDraft::new(ResourceIdentifier::type_by_id(&custom.type_.id));
        custom_draft.fields = Some(fields);
        draft.custom = Some(custom_draft);
    }
    draft
}

#[test]
fn the_diff_applied_in_the_sandbox_and_locally_gives_the_desired_state() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sandbox = CtSandbox::start().unwrap();
    let types = Types::add_to(&sandbox);
    let ct = sandbox.client().unwrap();
    let groups = ct.customer_groups().expand("custom.type");
    let cases = std::cell::Cell::new(0usize);
    let sent = std::cell::RefCell::new(BTreeMap::<String, usize>::new());
    let mut runner = TestRunner::new(Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(shapes(), shapes()), |(current_shape, desired_shape)| {
            cases.set(cases.get() + 1);
            let case = cases.get();
            let current = types.draft(case, &current_shape, false);
            let desired = types.draft(case, &desired_shape, false);
            let desired_by_id = types.draft(case, &desired_shape, true);
            runtime.block_on(async {
                let created = groups.create(current.clone()).await.unwrap();
                // Equal pairs give no actions.
                prop_assert_eq!(UpdateAction::diff(&created, &current), vec![]);
                let actions = UpdateAction::diff(&created, &desired);
                for action in &actions {
                    let name =
                        ct_customer_groups_sdk::serde_json::to_value(action).unwrap()["action"]
                            .as_str()
                            .unwrap()
                            .to_owned();
                    *sent.borrow_mut().entry(name).or_insert(0usize) += 1;
                }

                // Locally, with the type by id where the draft names it by key.
                let mut local = created.clone();
                for action in UpdateAction::diff(&created, &desired_by_id) {
                    action.apply(&mut local).unwrap();
                }
                prop_assert_eq!(UpdateAction::diff(&local, &desired_by_id), vec![]);

                // In the sandbox.
                let updated = if actions.is_empty() {
                    created.clone()
                } else {
                    let update = CustomerGroupUpdate::for_group(&created).actions_from(actions);
                    groups.update(&created.id, update).await.unwrap()
                };
                prop_assert_eq!(UpdateAction::diff(&updated, &desired), vec![]);
                prop_assert_eq!(UpdateAction::diff(&updated, &as_draft(&local)), vec![]);
                // And ensure finds nothing left to do.
                let ensured = ct.customer_groups().ensure(desired.clone()).await.unwrap();
                prop_assert!(!ensured.wrote(), "{:?}", ensured);
                Ok(())
            })
        })
        .unwrap();
    // The cases reach every kind of action.
    let sent = sent.into_inner();
    for action in ["changeName", "setKey", "setCustomType", "setCustomField"] {
        assert!(sent.get(action).is_some_and(|n| *n >= 5), "{sent:?}");
    }
}

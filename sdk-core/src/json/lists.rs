//! Lists in answers: at most as many items as a page may hold, and no more
//! storage than the answer's budget, counted as the vectors grow. Vendor
//! crates name these serde helpers through
//! [`vendor::json`](crate::vendor::json).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::charged::ChargedSeed;

/// How many times its own size an answer's lists may take once decoded:
/// their element storage, and every string their items hold (each a heap
/// block of its own, at least the allocator's smallest). While a list
/// grows, its old and new storage exist together for a moment, so the
/// peak stays under about 10 times the answer.
pub const MAX_LIST_AMPLIFICATION: usize = 6;

/// The list budget of a small answer: whatever its size, an answer's lists
/// may take this much.
pub const MIN_LIST_BUDGET: usize = 1024 * 1024;

thread_local! {
    /// The most items a list decoded with [`at_most`] may hold, while
    /// [`with_item_limit`] runs on this thread.
    static ITEM_LIMIT: Cell<Option<usize>> = const { Cell::new(None) };
    /// The bytes of list storage left to the answer being decoded, while
    /// [`with_list_budget`] runs on this thread.
    /// [`UNBUDGETED`] outside it.
    static LIST_BUDGET: Cell<usize> = const { Cell::new(UNBUDGETED) };
    /// Whether the items being decoded already charge their strings (an
    /// outer list does): a list inside an item must not charge them twice.
    static CHARGING_STRINGS: Cell<bool> = const { Cell::new(false) };
}

/// Puts `value` into `cell` while `run` runs, and the previous value back after.
fn scoped<T: Copy + 'static, R>(
    cell: &'static std::thread::LocalKey<Cell<T>>,
    value: T,
    run: impl FnOnce() -> R,
) -> R {
    struct Restore<T: Copy + 'static>(&'static std::thread::LocalKey<Cell<T>>, T);
    impl<T: Copy + 'static> Drop for Restore<T> {
        fn drop(&mut self) {
            self.0.with(|cell| cell.set(self.1));
        }
    }
    let _restore = Restore(cell, cell.with(|cell| cell.replace(value)));
    run()
}

/// Runs the (synchronous) decoding in `decode` with lists read by
/// [`at_most`] limited to `limit` items.
pub fn with_item_limit<T>(limit: usize, decode: impl FnOnce() -> T) -> T {
    scoped(&ITEM_LIMIT, Some(limit), decode)
}

/// Runs the (synchronous) decoding in `decode` of an answer of
/// `body_bytes`: the lists it reads with [`at_most`], [`list`] and
/// [`list_or_null`] may take at most [`MAX_LIST_AMPLIFICATION`] times
/// that (at least [`MIN_LIST_BUDGET`]) in all.
pub fn with_list_budget<T>(body_bytes: usize, decode: impl FnOnce() -> T) -> T {
    let budget = body_bytes
        .max(MIN_LIST_BUDGET)
        .saturating_mul(MAX_LIST_AMPLIFICATION);
    scoped(&LIST_BUDGET, budget.min(UNBUDGETED - 1), decode)
}

/// The list budget of a decoding that has none: more than any answer.
const UNBUDGETED: usize = usize::MAX;

/// Takes `bytes` from the list budget, if one is set. Inlined: it runs
/// for every string an item holds.
#[inline]
pub(crate) fn charge(bytes: usize) -> Result<(), String> {
    LIST_BUDGET.with(|cell| {
        let left = cell.get();
        if left == UNBUDGETED {
            return Ok(());
        }
        match left.checked_sub(bytes) {
            Some(rest) => {
                cell.set(rest);
                Ok(())
            }
            None => Err(over_budget()),
        }
    })
}

#[cold]
fn over_budget() -> String {
    format!(
        "the answer's lists would take more than {MAX_LIST_AMPLIFICATION} times its size \
         once decoded: refused, so that no answer can exhaust memory"
    )
}

/// Reads a sequence into a vector, with its storage charged to the list
/// budget as it grows, and at most `limit` items.
struct Items<T> {
    limit: Option<usize>,
    marker: std::marker::PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Items<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
        let budgeted = LIST_BUDGET.with(Cell::get) != UNBUDGETED;
        if budgeted && !CHARGING_STRINGS.with(Cell::get) {
            // The outermost list of a budgeted answer charges the strings
            // of its items, and of every list inside them.
            return scoped(&CHARGING_STRINGS, true, || {
                self.collect(seq, |seq| {
                    seq.next_element_seed(ChargedSeed(std::marker::PhantomData::<T>))
                })
            });
        }
        self.collect(seq, |seq| seq.next_element())
    }
}

impl<T> Items<T> {
    /// Reads every item with `next`, within the limit and the budget.
    fn collect<'de, A: SeqAccess<'de>>(
        self,
        mut seq: A,
        mut next: impl FnMut(&mut A) -> Result<Option<T>, A::Error>,
    ) -> Result<Vec<T>, A::Error> {
        let mut items: Vec<T> = Vec::new();
        while let Some(item) = next(&mut seq)? {
            if let Some(limit) = self.limit
                && items.len() >= limit
            {
                return Err(de::Error::custom(format!(
                    "the page holds more items than the {limit} asked for"
                )));
            }
            if items.len() == items.capacity() {
                // Grown by hand, so that what is charged is what is allocated.
                let more = items.capacity().max(4);
                charge(more.saturating_mul(std::mem::size_of::<T>())).map_err(de::Error::custom)?;
                items.reserve_exact(more);
            }
            items.push(item);
        }
        Ok(items)
    }
}

impl<T> Items<T> {
    /// A page's list: at most the limit [`with_item_limit`] set.
    fn page() -> Self {
        Self {
            limit: ITEM_LIMIT.with(Cell::get),
            marker: std::marker::PhantomData,
        }
    }

    /// A list within an answer: no count limit.
    fn any() -> Self {
        Self {
            limit: None,
            marker: std::marker::PhantomData,
        }
    }
}

/// `null` as an empty list, anything else as `items` reads it.
struct OrNull<T>(Items<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OrNull<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self.0)
    }
}

/// Deserializes a page's list of items, failing at the first item past
/// the limit that [`with_item_limit`] set (the extra items are never
/// built), or past the answer's list budget.
/// For `#[serde(deserialize_with = "...")]` on a page's list field.
pub fn at_most<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_seq(Items::page())
}

/// As [`at_most`], with `null` read as an empty page.
pub fn at_most_or_null<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_option(OrNull(Items::page()))
}

/// Deserializes a list within an answer, its storage charged to the
/// answer's list budget. For `#[serde(deserialize_with = "...")]`.
pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_seq(Items::any())
}

/// As [`list`], with `null` read as an empty list.
pub fn list_or_null<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_option(OrNull(Items::any()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::RawJson;

    #[derive(Deserialize)]
    struct Page {
        #[serde(deserialize_with = "at_most")]
        results: Vec<u32>,
    }

    #[test]
    fn a_list_past_the_limit_fails_while_decoding() {
        let body = r#"{"results": [1, 2, 3]}"#;
        let decoded: Page = with_item_limit(3, || serde_json::from_str(body)).unwrap();
        assert_eq!(decoded.results, [1, 2, 3]);
        let error = with_item_limit(2, || serde_json::from_str::<Page>(body))
            .err()
            .unwrap();
        assert!(
            error
                .to_string()
                .contains("more items than the 2 asked for"),
            "{error}"
        );
        // Without a limit set (a user decoding a page themselves): no limit.
        assert!(serde_json::from_str::<Page>(body).is_ok());
    }

    #[derive(Deserialize)]
    struct NullablePage {
        #[serde(default, deserialize_with = "at_most_or_null")]
        items: Vec<u32>,
    }

    #[test]
    fn a_null_page_is_empty_and_a_long_one_refused() {
        let decode = |text: &str| with_item_limit(2, || serde_json::from_str::<NullablePage>(text));
        assert!(decode(r#"{"items": null}"#).unwrap().items.is_empty());
        assert!(decode("{}").unwrap().items.is_empty());
        assert_eq!(decode(r#"{"items": [1, 2]}"#).unwrap().items, [1, 2]);
        assert!(decode(r#"{"items": [1, 2, 3]}"#).is_err());
    }

    #[derive(Deserialize)]
    struct Lists {
        #[serde(default, deserialize_with = "list_or_null")]
        names: Vec<String>,
    }

    #[test]
    fn lists_take_at_most_their_budget() {
        let decode =
            |text: &str| with_list_budget(text.len(), || serde_json::from_str::<Lists>(text));
        assert_eq!(decode(r#"{"names": null}"#).unwrap().names.len(), 0);
        assert_eq!(
            decode(r#"{"names": ["a", "b"]}"#).unwrap().names,
            ["a", "b"]
        );
        // 24 bytes a `String` for 3 bytes of `"",`: past the budget of a large answer.
        let hostile = format!(r#"{{"names": [{}""]}}"#, "\"\",".repeat(1_000_000));
        let error = decode(&hostile).err().unwrap();
        assert!(error.to_string().contains("times its size"), "{error}");
        // Without a budget set: no limit.
        assert_eq!(
            serde_json::from_str::<Lists>(&hostile).unwrap().names.len(),
            1_000_001
        );
    }

    #[test]
    fn raw_json_keeps_text_and_decodes_on_demand() {
        let raw: RawJson = serde_json::from_str(r#"{"b": [1, 2], "a": {"x": null}}"#).unwrap();
        assert!(raw.is_object());
        let names: Vec<String> = raw
            .fields()
            .unwrap()
            .keys()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(raw.field("b").unwrap().unwrap().get(), "[1, 2]");
        assert_eq!(raw.field_as::<Vec<u8>>("b").unwrap(), Some(vec![1, 2]));
        assert!(raw.field_as::<String>("b").is_err());
        assert_eq!(
            raw,
            RawJson::from(serde_json::json!({"a": {"x": null}, "b": [1, 2]}))
        );
        assert_eq!(
            serde_json::to_string(&raw).unwrap(),
            r#"{"b": [1, 2], "a": {"x": null}}"#
        );
        let list: RawJson = serde_json::from_str("[1]").unwrap();
        assert!(list.fields().is_err());
    }
}

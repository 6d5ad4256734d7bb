//! Querying groups: `where`, `sort`, `limit`, `offset`, `withTotal`, and
//! the id-ordered fast path a keyset walk takes.

use super::*;

/// Orders groups by `sort` expressions such as `name desc`; ties by id.
pub(super) fn sorter(sort: &[String]) -> Result<Vec<(String, bool)>, Refusal> {
    sort.iter()
        .map(|expression| {
            let mut words = expression.split_whitespace();
            let field = words.next().unwrap_or_default();
            let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => {
                    return Err(invalid_input(format!(
                        "Malformed sort direction '{other}'."
                    )));
                }
            };
            if !["id", "name", "key", "createdAt", "lastModifiedAt"].contains(&field) {
                return Err(invalid_input(format!("Cannot sort by '{field}'.")));
            }
            Ok((field.to_owned(), descending))
        })
        .collect()
}

/// The query parameters of a request, read and checked.
struct QueryParams {
    predicates: Vec<predicate::Predicate>,
    order: Vec<(String, bool)>,
    limit: u64,
    offset: u64,
    with_total: bool,
    expand: Vec<String>,
}

impl QueryParams {
    /// Reads `where`, `sort`, `limit`, `offset`, `withTotal` and `var.*`,
    /// refusing what the live API refuses.
    fn read(query: &str) -> Result<Self, Refusal> {
        let mut variables: predicate::Variables = HashMap::new();
        let (mut wheres, mut sorts) = (Vec::new(), Vec::new());
        let (mut limit, mut offset, mut with_total) = (20u64, 0u64, true);
        let mut expand = Vec::new();
        for (name, value) in form_pairs(query) {
            match name.as_str() {
                "where" => wheres.push(value),
                "sort" => sorts.push(value),
                "limit" => {
                    limit = value
                        .parse()
                        .map_err(|_| invalid_input("Malformed limit."))?
                }
                "offset" => {
                    offset = value
                        .parse()
                        .map_err(|_| invalid_input("Malformed offset."))?
                }
                "withTotal" => with_total = value != "false",
                "expand" => expand.push(value),
                other => {
                    if let Some(variable) = other.strip_prefix("var.") {
                        variables
                            .entry(variable.to_owned())
                            .or_default()
                            .push(value);
                    }
                }
            }
        }
        if limit > API_MAX_LIMIT {
            return Err(invalid_input(format!(
                "The limit must be 0 to {API_MAX_LIMIT}."
            )));
        }
        if offset > API_MAX_OFFSET {
            return Err(invalid_input(format!(
                "The offset must be at most {API_MAX_OFFSET}."
            )));
        }
        let predicates = wheres
            .iter()
            .map(|text| {
                predicate::parse(text, &variables)
                    .map_err(|e| invalid_input(format!("Malformed parameter: where: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let order = sorter(&sorts)?;
        Ok(Self {
            predicates,
            order,
            limit,
            offset,
            with_total,
            expand,
        })
    }

    fn matches(&self, group: &Value) -> bool {
        self.predicates.iter().all(|p| p.matches(group))
    }

    /// With a predicate the live API stops counting at 10,000.
    fn capped(&self, total: usize) -> usize {
        if self.predicates.is_empty() {
            total
        } else {
            total.min(TOTAL_CAP)
        }
    }

    fn skip(&self) -> usize {
        usize::try_from(self.offset).unwrap_or(usize::MAX)
    }

    fn take(&self) -> usize {
        usize::try_from(self.limit).unwrap_or(usize::MAX)
    }

    /// `sort=id asc`: the order the store (keyed by id) is read in already.
    fn by_id_ascending(&self) -> bool {
        self.order.len() == 1 && self.order[0].0 == "id" && !self.order[0].1
    }
}

pub(super) async fn query_groups(
    State(state): State<Shared>,
    Path(project): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let store = state.lock();
    authorize(&store, &headers, &Method::GET, &project)?;
    let params = QueryParams::read(query.as_deref().unwrap_or_default())?;
    if method == Method::HEAD {
        return exists(&store, &params);
    }
    // Expanded answers are built per request; plain ones by id come from the stored JSON.
    if params.by_id_ascending() && params.expand.is_empty() {
        return page_by_id(&store, &params);
    }
    page_sorted(&store, &params)
}

/// An existence check: 200 when something matches, 404 when nothing does.
fn exists(store: &Store, params: &QueryParams) -> Answer {
    if store.groups.values().any(|group| params.matches(group)) {
        return ok(StatusCode::OK, &json!({}));
    }
    Err(refuse(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        "No customer group matches the query.",
        json!({}),
    ))
}

/// A page in id order: only its own matches are read, from the lowest id
/// the predicates allow (an index scan, as a real server does), and sent
/// from each group's stored JSON without copying the groups.
fn page_by_id(store: &Store, params: &QueryParams) -> Answer {
    let start = params
        .predicates
        .iter()
        .filter_map(predicate::Predicate::id_lower_bound)
        .max()
        .unwrap_or_default();
    let end = params
        .predicates
        .iter()
        .filter_map(predicate::Predicate::id_upper_bound)
        .min()
        .map_or(std::ops::Bound::Unbounded, std::ops::Bound::Included);
    let results: Vec<&serde_json::value::RawValue> = store
        .groups
        .range::<str, _>((std::ops::Bound::Included(start), end))
        .filter(|(_, group)| params.matches(group))
        .skip(params.skip())
        .take(params.take())
        .filter_map(|(id, _)| store.rendered.get(id).map(|json| &**json))
        .collect();
    let total = params.with_total.then(|| {
        params.capped(
            store
                .groups
                .values()
                .filter(|group| params.matches(group))
                .count(),
        )
    });
    let body = PageAnswer {
        limit: params.limit,
        offset: params.offset,
        count: results.len(),
        total,
        results,
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// A page in the order of `sort` (ties by id).
fn page_sorted(store: &Store, params: &QueryParams) -> Answer {
    fn text<'a>(group: &'a Value, field: &str) -> Option<&'a str> {
        group.get(field).and_then(Value::as_str)
    }
    let mut matching: Vec<&Value> = store
        .groups
        .values()
        .filter(|group| params.matches(group))
        .collect();
    let total = params.capped(matching.len());
    if !params.order.is_empty() {
        let order = |a: &&Value, b: &&Value| {
            params
                .order
                .iter()
                .map(|(field, descending)| {
                    let ordering = text(a, field).cmp(&text(b, field));
                    if *descending {
                        ordering.reverse()
                    } else {
                        ordering
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| text(a, "id").cmp(&text(b, "id")))
        };
        // Only the page and what it skips need their order: the rest is
        // set apart in linear time, as an index would spare a real server.
        let wanted = params.skip().saturating_add(params.take());
        if wanted < matching.len() {
            matching.select_nth_unstable_by(wanted, order);
            matching.truncate(wanted);
        }
        matching.sort_by(order);
    }
    let results: Vec<Value> = matching
        .into_iter()
        .skip(params.skip())
        .take(params.take())
        .map(|group| store.expanded(group, &params.expand))
        .collect();
    let mut body = json!({
        "limit": params.limit,
        "offset": params.offset,
        "count": results.len(),
        "results": results,
    });
    if params.with_total {
        body["total"] = json!(total);
    }
    ok(StatusCode::OK, &body)
}

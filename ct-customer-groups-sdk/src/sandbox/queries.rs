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

pub(super) async fn query_groups(
    State(state): State<Shared>,
    Path(project): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let store = state.lock();
    authorize(&store, &headers, &Method::GET, &project)?;
    let pairs = form_pairs(query.as_deref().unwrap_or_default());
    let mut variables: predicate::Variables = HashMap::new();
    let (mut wheres, mut sorts) = (Vec::new(), Vec::new());
    let (mut limit, mut offset, mut with_total) = (20u64, 0u64, true);
    for (name, value) in pairs {
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
            "expand" => {}
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
    if method == Method::HEAD {
        // An existence check: 200 when something matches, 404 when nothing does.
        let any = store
            .groups
            .values()
            .any(|group| predicates.iter().all(|p| p.matches(group)));
        return if any {
            ok(StatusCode::OK, &json!({}))
        } else {
            Err(refuse(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                "No customer group matches the query.",
                json!({}),
            ))
        };
    }
    // With a predicate the live API stops counting at 10,000.
    let cap = |total: usize| {
        if predicates.is_empty() {
            total
        } else {
            total.min(TOTAL_CAP)
        }
    };
    let order = sorter(&sorts)?;
    // The store is keyed by id, so `sort=id asc` is the order it is read in
    // already: a page needs only its own matches, from the lowest id the
    // predicates allow (an index scan, as a real server does).
    let by_id_ascending = order.len() == 1 && order[0].0 == "id" && !order[0].1;
    if by_id_ascending {
        let start = predicates
            .iter()
            .filter_map(predicate::Predicate::id_lower_bound)
            .max()
            .unwrap_or_default();
        let end = predicates
            .iter()
            .filter_map(predicate::Predicate::id_upper_bound)
            .min()
            .map_or(std::ops::Bound::Unbounded, std::ops::Bound::Included);
        let results: Vec<&serde_json::value::RawValue> = store
            .groups
            .range::<str, _>((std::ops::Bound::Included(start), end))
            .filter(|(_, group)| predicates.iter().all(|p| p.matches(group)))
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .filter_map(|(id, _)| store.rendered.get(id).map(|json| &**json))
            .collect();
        let total = with_total.then(|| {
            cap(store
                .groups
                .values()
                .filter(|group| predicates.iter().all(|p| p.matches(group)))
                .count())
        });
        // Serialized from each group's stored JSON, without copying the groups.
        let body = PageAnswer {
            limit,
            offset,
            count: results.len(),
            total,
            results,
        };
        return Ok(json_response(StatusCode::OK, &body));
    }
    let mut matching: Vec<&Value> = store
        .groups
        .values()
        .filter(|group| predicates.iter().all(|p| p.matches(group)))
        .collect();
    if !order.is_empty() && !by_id_ascending {
        fn text<'a>(group: &'a Value, field: &str) -> Option<&'a str> {
            group.get(field).and_then(Value::as_str)
        }
        matching.sort_by(|a, b| {
            order
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
        });
    }
    let total = cap(matching.len());
    let results: Vec<&Value> = matching
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    let mut body = json!({
        "limit": limit,
        "offset": offset,
        "count": results.len(),
        "results": results,
    });
    if with_total {
        body["total"] = json!(total);
    }
    ok(StatusCode::OK, &body)
}

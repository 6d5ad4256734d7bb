//! Paging and sorting of listings, as the document describes them.

use super::*;

/// Paging and sorting parameters of a listing.
pub(super) struct ListParams {
    page: Option<u64>,
    size: usize,
    sort_by: Option<String>,
    descending: bool,
}

pub(super) fn list_params(query: Option<String>) -> Result<ListParams, Refusal> {
    let pairs: Vec<(String, String)> =
        Url::parse(&format!("http://sandbox/?{}", query.unwrap_or_default()))
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default();
    let mut params = ListParams {
        page: None,
        size: 20,
        sort_by: None,
        descending: false,
    };
    let bad = |name: &str| refuse(StatusCode::BAD_REQUEST, format!("Invalid {name}"));
    for (name, value) in pairs {
        match name.as_str() {
            "pageNumber" => params.page = Some(value.parse().map_err(|_| bad("pageNumber"))?),
            "pageSize" => {
                params.size = value.parse().map_err(|_| bad("pageSize"))?;
                if !(1..=1000).contains(&params.size) {
                    return Err(bad("pageSize: 1 to 1000"));
                }
            }
            "sortBy" => params.sort_by = Some(value),
            "sortDirection" => {
                params.descending = match value.as_str() {
                    "ASC" => false,
                    "DESC" => true,
                    _ => return Err(bad("sortDirection: ASC or DESC")),
                }
            }
            _ => {}
        }
    }
    Ok(params)
}

/// What a listing sorts by.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum SortKey {
    /// A timestamp, in nanoseconds.
    Time(i64),
    /// A text.
    Text(String),
}

pub(super) fn time_key(time: DateTime<Utc>) -> SortKey {
    SortKey::Time(time.timestamp_nanos_opt().unwrap_or(i64::MIN))
}

/// Sorts `items` with `key` for the named sort field, then cuts one page.
pub(super) fn page_of<T: Clone>(
    mut items: Vec<&T>,
    params: &ListParams,
    first_page: u64,
    key: impl Fn(&T, &str) -> Option<SortKey>,
) -> Result<ListResponse<T>, Refusal> {
    if let Some(field) = &params.sort_by {
        if items
            .first()
            .is_some_and(|first| key(first, field).is_none())
        {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                format!("Cannot sort by {field}"),
            ));
        }
        items.sort_by_cached_key(|item| key(item, field));
        if params.descending {
            items.reverse();
        }
    }
    let number = params.page.unwrap_or(first_page);
    if number < first_page {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            format!("Pages start at {first_page}"),
        ));
    }
    let skip = usize::try_from(number - first_page)
        .unwrap_or(usize::MAX)
        .saturating_mul(params.size);
    let total = items.len() as u64;
    Ok(ListResponse {
        items: items
            .into_iter()
            .skip(skip)
            .take(params.size)
            .cloned()
            .collect(),
        paging: Paging {
            page_number: number,
            page_size: params.size as u64,
            total_count: total,
        },
    })
}

// ---------------------------------------------------------------- handlers

//! A small evaluator of commercetools query predicates, enough for customer
//! groups: comparisons (`=`, `!=`, `<>`, `>`, `<`, `>=`, `<=`), `in`,
//! `is defined`, `not`, `and`, `or`, parentheses, string and number
//! literals, and input variables (`:name`).

use std::collections::HashMap;

use serde_json::Value;

/// Input variables by name; a variable may have several values (for `in`).
pub(crate) type Variables = HashMap<String, Vec<String>>;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    Variable(String),
    Operator(&'static str),
    Open,
    Close,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut lexer = Lexer {
        chars: input.chars().collect(),
        at: 0,
    };
    let mut tokens = Vec::new();
    while let Some(&c) = lexer.chars.get(lexer.at) {
        let token = match c {
            ' ' | '\t' | '\n' | '\r' => {
                lexer.at += 1;
                continue;
            }
            '(' => lexer.single(Token::Open),
            ')' => lexer.single(Token::Close),
            ',' => lexer.single(Token::Comma),
            '"' => lexer.text()?,
            ':' => lexer.variable()?,
            '=' | '!' | '<' | '>' => lexer.operator()?,
            c if c.is_ascii_digit() || c == '-' => lexer.number()?,
            c if c.is_alphabetic() || c == '_' => lexer.word(),
            other => return Err(format!("unexpected character {other:?}")),
        };
        tokens.push(token);
    }
    Ok(tokens)
}

/// The predicate's characters and the position read up to.
struct Lexer {
    chars: Vec<char>,
    at: usize,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    /// The characters from `start` to where the lexer stands.
    fn since(&self, start: usize) -> String {
        self.chars[start..self.at].iter().collect()
    }

    fn skip_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek(0).is_some_and(&keep) {
            self.at += 1;
        }
    }

    fn single(&mut self, token: Token) -> Token {
        self.at += 1;
        token
    }

    /// `"..."`, with `\` escaping the next character.
    fn text(&mut self) -> Result<Token, String> {
        let mut text = String::new();
        self.at += 1;
        loop {
            match self.peek(0) {
                None => return Err("unterminated string".into()),
                Some('"') => {
                    self.at += 1;
                    return Ok(Token::Text(text));
                }
                Some('\\') => {
                    text.push(self.peek(1).ok_or("unterminated escape")?);
                    self.at += 2;
                }
                Some(other) => {
                    text.push(other);
                    self.at += 1;
                }
            }
        }
    }

    /// `:name`.
    fn variable(&mut self) -> Result<Token, String> {
        self.at += 1;
        let start = self.at;
        self.skip_while(|c| c.is_ascii_alphanumeric() || c == '_');
        if self.at == start {
            return Err("a variable needs a name after ':'".into());
        }
        Ok(Token::Variable(self.since(start)))
    }

    /// `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`.
    fn operator(&mut self) -> Result<Token, String> {
        let operator = match (self.peek(0), self.peek(1)) {
            (Some('='), _) => "=",
            (Some('!'), Some('=')) | (Some('<'), Some('>')) => "!=",
            (Some('<'), Some('=')) => "<=",
            (Some('>'), Some('=')) => ">=",
            (Some('<'), _) => "<",
            (Some('>'), _) => ">",
            (other, _) => return Err(format!("unexpected character {other:?}")),
        };
        self.at += if operator == "=" || operator.len() == 1 {
            1
        } else {
            2
        };
        Ok(Token::Operator(operator))
    }

    fn number(&mut self) -> Result<Token, String> {
        let start = self.at;
        self.at += 1;
        self.skip_while(|c| c.is_ascii_digit() || c == '.');
        let text = self.since(start);
        let number = text.parse().map_err(|_| format!("bad number {text}"))?;
        Ok(Token::Number(number))
    }

    fn word(&mut self) -> Token {
        let start = self.at;
        self.skip_while(|c| c.is_alphanumeric() || c == '_' || c == '.');
        Token::Word(self.since(start))
    }
}

/// A parsed predicate.
#[derive(Debug, Clone)]
pub(crate) enum Predicate {
    And(Box<Predicate>, Box<Predicate>),
    Or(Box<Predicate>, Box<Predicate>),
    Not(Box<Predicate>),
    Compare(String, &'static str, Value),
    In(String, Vec<Value>),
    Defined(String, bool),
}

struct Parser<'a> {
    tokens: Vec<Token>,
    position: usize,
    variables: &'a Variables,
    /// `(` and `not` open around the current position.
    depth: usize,
    comparisons: usize,
}

/// The deepest nesting of `(` and `not` a predicate may have: the parser
/// and the evaluation recurse once per level, and a request must not be
/// able to overflow the sandbox's stack (the live API refuses such
/// predicates with a 400 too).
pub(crate) const MAX_NESTING: usize = 64;

/// The most comparisons one predicate may hold; an `and`/`or` chain makes a
/// tree as deep as it is long.
pub(crate) const MAX_COMPARISONS: usize = 1_000;

const FIELDS: &[&str] = &[
    "id",
    "key",
    "name",
    "version",
    "createdAt",
    "lastModifiedAt",
];

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Predicate, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.position += 1;
            left = Predicate::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Predicate, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.position += 1;
            left = Predicate::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Predicate, String> {
        let negated = self.keyword("not");
        if !negated && self.peek() != Some(&Token::Open) {
            return self.comparison();
        }
        self.position += 1;
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(format!(
                "the predicate nests deeper than {MAX_NESTING} levels"
            ));
        }
        let inner = if negated {
            Predicate::Not(Box::new(self.unary()?))
        } else {
            let inner = self.or()?;
            if self.next() != Some(Token::Close) {
                return Err("missing ')'".into());
            }
            inner
        };
        self.depth -= 1;
        Ok(inner)
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.next() {
            Some(Token::Text(text)) => Ok(Value::String(text)),
            Some(Token::Number(number)) => Ok(serde_json::json!(number)),
            Some(Token::Word(word)) if word == "true" || word == "false" => {
                Ok(Value::Bool(word == "true"))
            }
            Some(Token::Variable(name)) => {
                let values = self
                    .variables
                    .get(&name)
                    .ok_or_else(|| format!("variable :{name} is not given"))?;
                if values.len() != 1 {
                    return Err(format!("variable :{name} must have exactly one value here"));
                }
                Ok(Value::String(values[0].clone()))
            }
            other => Err(format!("expected a value, found {other:?}")),
        }
    }

    fn comparison(&mut self) -> Result<Predicate, String> {
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(format!(
                "the predicate holds more than {MAX_COMPARISONS} comparisons"
            ));
        }
        let field = match self.next() {
            Some(Token::Word(field)) if FIELDS.contains(&field.as_str()) => field,
            Some(Token::Word(field)) => return Err(format!("unknown field {field}")),
            other => return Err(format!("expected a field, found {other:?}")),
        };
        if self.keyword("is") {
            self.position += 1;
            let negated = self.keyword("not");
            if negated {
                self.position += 1;
            }
            if !self.keyword("defined") {
                return Err("expected 'defined'".into());
            }
            self.position += 1;
            return Ok(Predicate::Defined(field, !negated));
        }
        let negated_in = self.keyword("not");
        if negated_in {
            self.position += 1;
        }
        if self.keyword("in") {
            self.position += 1;
            let values = self.list()?;
            let test = Predicate::In(field, values);
            return Ok(if negated_in {
                Predicate::Not(Box::new(test))
            } else {
                test
            });
        }
        if negated_in {
            return Err("expected 'in' after 'not'".into());
        }
        match self.next() {
            Some(Token::Operator(operator)) => {
                Ok(Predicate::Compare(field, operator, self.value()?))
            }
            other => Err(format!("expected an operator, found {other:?}")),
        }
    }

    fn list(&mut self) -> Result<Vec<Value>, String> {
        if let Some(Token::Variable(name)) = self.peek().cloned() {
            self.position += 1;
            let values = self
                .variables
                .get(&name)
                .ok_or_else(|| format!("variable :{name} is not given"))?;
            return Ok(values.iter().cloned().map(Value::String).collect());
        }
        if self.next() != Some(Token::Open) {
            return Err("expected '(' or a variable after 'in'".into());
        }
        let mut values = vec![self.value()?];
        loop {
            match self.next() {
                Some(Token::Comma) => values.push(self.value()?),
                Some(Token::Close) => return Ok(values),
                other => return Err(format!("expected ',' or ')', found {other:?}")),
            }
        }
    }
}

/// Parses `input`, resolving variables.
pub(crate) fn parse(input: &str, variables: &Variables) -> Result<Predicate, String> {
    let mut parser = Parser {
        tokens: tokenize(input)?,
        position: 0,
        variables,
        depth: 0,
        comparisons: 0,
    };
    let predicate = parser.or()?;
    if parser.position != parser.tokens.len() {
        return Err(format!("unexpected {:?}", parser.peek()));
    }
    Ok(predicate)
}

fn compare(left: &Value, right: &Value) -> Option<std::cmp::Ordering> {
    match (left, right) {
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::Number(a), Value::String(b)) => a.as_f64()?.partial_cmp(&b.parse::<f64>().ok()?),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Timestamps compare as the instants they are, however they are written
/// (`10:00:00Z` is `10:00:00.000Z`), as the live API compares them.
fn compare_instants(left: &Value, right: &Value) -> Option<std::cmp::Ordering> {
    // The same UTC layout orders as text, without parsing every group's stamp.
    if let (Value::String(a), Value::String(b)) = (left, right)
        && a.len() == b.len()
        && a.ends_with('Z')
        && b.ends_with('Z')
    {
        return Some(a.cmp(b));
    }
    let instant = |value: &Value| {
        value
            .as_str()
            .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
    };
    match (instant(left), instant(right)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => compare(left, right),
    }
}

impl Predicate {
    /// The lowest id this predicate can match, when it says (`id > x`,
    /// `id >= x`, or an `and` holding one): where an index scan may start.
    pub(crate) fn id_lower_bound(&self) -> Option<&str> {
        match self {
            Predicate::Compare(field, ">" | ">=", Value::String(from)) if field == "id" => {
                Some(from)
            }
            Predicate::And(a, b) => match (a.id_lower_bound(), b.id_lower_bound()) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            _ => None,
        }
    }

    /// The highest id this predicate can match, when it says (`id < x`,
    /// `id <= x`, or an `and` holding one): where an index scan may stop.
    pub(crate) fn id_upper_bound(&self) -> Option<&str> {
        match self {
            Predicate::Compare(field, "<" | "<=", Value::String(to)) if field == "id" => Some(to),
            Predicate::And(a, b) => match (a.id_upper_bound(), b.id_upper_bound()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            _ => None,
        }
    }

    /// Whether `group` (a customer group as JSON) matches.
    pub(crate) fn matches(&self, group: &Value) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Predicate::And(a, b) => a.matches(group) && b.matches(group),
            Predicate::Or(a, b) => a.matches(group) || b.matches(group),
            Predicate::Not(inner) => !inner.matches(group),
            Predicate::Defined(field, defined) => {
                group.get(field).is_some_and(|v| !v.is_null()) == *defined
            }
            Predicate::In(field, values) => group
                .get(field)
                .is_some_and(|actual| values.iter().any(|v| compare(actual, v) == Some(Equal))),
            Predicate::Compare(field, operator, expected) => {
                let Some(actual) = group.get(field).filter(|v| !v.is_null()) else {
                    return *operator == "!=";
                };
                let ordering = if field == "createdAt" || field == "lastModifiedAt" {
                    compare_instants(actual, expected)
                } else {
                    compare(actual, expected)
                };
                match *operator {
                    "=" => ordering == Some(Equal),
                    "!=" => ordering != Some(Equal),
                    ">" => ordering == Some(Greater),
                    "<" => ordering == Some(Less),
                    ">=" => matches!(ordering, Some(Greater | Equal)),
                    "<=" => matches!(ordering, Some(Less | Equal)),
                    _ => false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(pairs: &[(&str, &[&str])]) -> Variables {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn predicates_evaluate() {
        let group = json!({"id": "b", "name": "Gold \"VIP\"", "key": "gold", "version": 3});
        let none = Variables::new();
        let check =
            |text: &str, variables: &Variables| parse(text, variables).unwrap().matches(&group);
        assert!(check(r#"name = "Gold \"VIP\"""#, &none));
        assert!(check(r#"id > "a" and id < "c""#, &none));
        assert!(check(r#"key in ("x", "gold")"#, &none));
        assert!(check(r#"key not in ("x")"#, &none));
        assert!(check("version >= 3 and not (key = \"x\")", &none));
        assert!(check("key is defined", &none));
        assert!(!check("key is not defined", &none));
        assert!(check(r#"name = "x" or key = "gold""#, &none));
        assert!(check("name = :n", &vars(&[("n", &["Gold \"VIP\""])])));
        assert!(check("key in :keys", &vars(&[("keys", &["a", "gold"])])));
        assert!(check("key != :k", &vars(&[("k", &["silver"])])));
        assert!(parse("color = \"red\"", &none).is_err());
        assert!(parse("name = :missing", &none).is_err());
        assert!(parse("name = ", &none).is_err());
        assert!(parse("(name = \"x\"", &none).is_err());
    }

    fn nested(depth: usize, opening: &str, closing: &str) -> String {
        format!(
            "{}key = \"x\"{}",
            opening.repeat(depth),
            closing.repeat(depth)
        )
    }

    #[test]
    fn nesting_is_limited_not_a_crash() {
        let none = Variables::new();
        for (opening, closing) in [("(", ")"), ("not ", ""), ("not (", ")")] {
            assert!(parse(&nested(MAX_NESTING / 2, opening, closing), &none).is_ok());
            for depth in [MAX_NESTING + 1, 1_000, 100_000] {
                let error = parse(&nested(depth, opening, closing), &none).unwrap_err();
                assert!(error.contains("nests deeper"), "{error}");
            }
        }
        let chain = vec!["key = \"x\""; MAX_COMPARISONS + 1].join(" and ");
        assert!(parse(&chain, &none).unwrap_err().contains("comparisons"));
        let chain = vec!["key = \"x\""; MAX_COMPARISONS].join(" or ");
        assert!(parse(&chain, &none).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_fails_cleanly(text in "\\PC{0,200}") {
            let _ = parse(&text, &Variables::new());
        }

        #[test]
        fn predicate_like_text_parses_or_fails_cleanly(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "(", ")", "not ", " and ", " or ", "key", "id", " = ", " in ", "\"x\"",
                    "3", ":v", ",", " is defined", " is not defined", "\"", "<", ">=",
                ]),
                0..400,
            )
        ) {
            let variables = vars(&[("v", &["a"])]);
            if let Ok(predicate) = parse(&parts.concat(), &variables) {
                let _ = predicate.matches(&json!({"id": "a", "key": "x"}));
            }
        }

        #[test]
        fn deep_nesting_is_refused_at_any_depth(depth in 0usize..5_000, negated in proptest::bool::ANY) {
            let (opening, closing) = if negated { ("not (", ")") } else { ("(", ")") };
            let parsed = parse(&nested(depth, opening, closing), &Variables::new());
            let levels = if negated { depth * 2 } else { depth };
            proptest::prop_assert_eq!(parsed.is_ok(), levels <= MAX_NESTING);
        }
    }
}

//! Shopify's `query:` search syntax (https://shopify.dev/docs/api/usage/search-syntax):
//! terms, `field:value`, comparators `:<` `:>` `:<=` `:>=`, quoted values (dates must be quoted),
//! `AND` / `OR` (AND implied between terms), `NOT` or a leading `-`, parentheses, and a trailing
//! `*` for prefix matches.
//!
//! Parsing is lenient like Shopify's: it never fails. A resource makes itself searchable by
//! implementing [`Searchable`] (which fields it knows), using the `Term::matches_*` helpers; a
//! field it does not know matches everything (Shopify ignores unknown filters).

use jiff::Timestamp;

/// A parsed search query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Empty query: matches everything.
    All,
    Term(Term),
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
}

/// One `field:value` (or free text) term.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The field name, lowercase; `None` for free text.
    pub field: Option<String>,
    pub comparator: Comparator,
    /// The value without quotes.
    pub value: String,
}

/// How a term compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Equal,
    Less,
    Greater,
    LessOrEqual,
    GreaterOrEqual,
}

/// Something a query can be matched against.
pub trait Searchable {
    /// Whether the item matches a `field:value` term; `None` when the field is unknown.
    fn matches_field(&self, field: &str, term: &Term) -> Option<bool>;

    /// Whether the item matches free text (no field).
    fn matches_text(&self, text: &str) -> bool;
}

impl Query {
    /// Parses a query string; never fails.
    pub fn parse(input: &str) -> Query {
        let tokens = tokenize(input);
        let mut parser = Parser { tokens, position: 0, depth: 0 };
        parser.or_expression().unwrap_or(Query::All)
    }

    /// Whether an item matches.
    pub fn matches<S: Searchable + ?Sized>(&self, item: &S) -> bool {
        match self {
            Query::All => true,
            Query::Term(term) => match &term.field {
                Some(field) => item.matches_field(field, term).unwrap_or(true),
                None => item.matches_text(&term.value),
            },
            Query::And(parts) => parts.iter().all(|part| part.matches(item)),
            Query::Or(parts) => parts.iter().any(|part| part.matches(item)),
            Query::Not(inner) => !inner.matches(item),
        }
    }
}

impl Term {
    /// Compares text: case-insensitive equality, `*` suffix for a prefix match; with `<`/`>`
    /// comparators, lexical order.
    pub fn matches_text(&self, actual: &str) -> bool {
        let actual = actual.to_lowercase();
        let wanted = self.value.to_lowercase();
        match self.comparator {
            Comparator::Equal => match wanted.strip_suffix('*') {
                Some(prefix) => actual.starts_with(prefix),
                None => actual == wanted,
            },
            comparator => compare(comparator, actual.as_str().cmp(wanted.as_str())),
        }
    }

    /// Compares an optional text (absent text only matches `*`).
    pub fn matches_optional_text(&self, actual: Option<&str>) -> bool {
        match actual {
            Some(actual) => self.matches_text(actual),
            None => false,
        }
    }

    /// Compares a timestamp; the value may be RFC 3339 or a date (midnight UTC).
    /// A value that is not a time matches nothing.
    pub fn matches_time(&self, actual: Timestamp) -> bool {
        match parse_time(&self.value) {
            Some(wanted) => compare(self.comparator, actual.cmp(&wanted)),
            None => false,
        }
    }

    /// Compares a number; `id:` values may also be given as GIDs.
    pub fn matches_number(&self, actual: i64) -> bool {
        let text = self.value.rsplit('/').next().unwrap_or(&self.value);
        match text.parse::<i64>() {
            Ok(wanted) => compare(self.comparator, actual.cmp(&wanted)),
            Err(_) => false,
        }
    }
}

/// Parses a search time value (`2019-12-01T00:00:00Z`, `2019-12-01`).
pub fn parse_time(text: &str) -> Option<Timestamp> {
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Some(timestamp);
    }
    let date: jiff::civil::Date = text.parse().ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|zoned| zoned.timestamp())
}

fn compare(comparator: Comparator, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match comparator {
        Comparator::Equal => ordering == Equal,
        Comparator::Less => ordering == Less,
        Comparator::Greater => ordering == Greater,
        Comparator::LessOrEqual => ordering != Greater,
        Comparator::GreaterOrEqual => ordering != Less,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Term(Term),
}

fn tokenize(input: &str) -> Vec<Token> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c.is_whitespace() {
            index += 1;
            continue;
        }
        if c == '(' {
            tokens.push(Token::Open);
            index += 1;
            continue;
        }
        if c == ')' {
            tokens.push(Token::Close);
            index += 1;
            continue;
        }
        if c == '-' && index + 1 < chars.len() && !chars[index + 1].is_whitespace() {
            tokens.push(Token::Not);
            index += 1;
            continue;
        }
        // A word: up to whitespace or parenthesis, with quoted parts kept whole.
        let mut word = String::new();
        let mut quoted_value = false;
        while index < chars.len() {
            let c = chars[index];
            if c == '\'' || c == '"' {
                let quote = c;
                index += 1;
                while index < chars.len() && chars[index] != quote {
                    if chars[index] == '\\' && index + 1 < chars.len() {
                        index += 1;
                    }
                    word.push(chars[index]);
                    index += 1;
                }
                index += 1;
                quoted_value = true;
                continue;
            }
            if c.is_whitespace() || c == '(' || c == ')' {
                break;
            }
            word.push(c);
            index += 1;
        }
        if !quoted_value {
            match word.as_str() {
                "AND" => {
                    tokens.push(Token::And);
                    continue;
                }
                "OR" => {
                    tokens.push(Token::Or);
                    continue;
                }
                "NOT" => {
                    tokens.push(Token::Not);
                    continue;
                }
                _ => {}
            }
        }
        tokens.push(Token::Term(term_from_word(&word)));
    }
    tokens
}

fn term_from_word(word: &str) -> Term {
    let Some((field, rest)) = word.split_once(':') else {
        return Term { field: None, comparator: Comparator::Equal, value: word.to_string() };
    };
    let (comparator, value) = if let Some(value) = rest.strip_prefix("<=") {
        (Comparator::LessOrEqual, value)
    } else if let Some(value) = rest.strip_prefix(">=") {
        (Comparator::GreaterOrEqual, value)
    } else if let Some(value) = rest.strip_prefix('<') {
        (Comparator::Less, value)
    } else if let Some(value) = rest.strip_prefix('>') {
        (Comparator::Greater, value)
    } else {
        (Comparator::Equal, rest)
    };
    Term { field: Some(field.to_lowercase()), comparator, value: value.to_string() }
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    /// How many parentheses and negations enclose the current token.
    depth: usize,
}

/// The deepest nesting of parentheses and negations parsed; deeper parts are left out, as the parser leaves out
/// anything else it cannot read. Without a bound, `((((…` or `----…` thousands deep overflowed the stack (the
/// parser and the query tree recurse), aborting the simulator.
const MAX_NESTING: usize = 100;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn or_expression(&mut self) -> Option<Query> {
        let mut parts = vec![self.and_expression()?];
        while self.peek() == Some(&Token::Or) {
            self.position += 1;
            if let Some(part) = self.and_expression() {
                parts.push(part);
            }
        }
        Some(if parts.len() == 1 { parts.remove(0) } else { Query::Or(parts) })
    }

    fn and_expression(&mut self) -> Option<Query> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Or) | Some(Token::Close) => break,
                Some(Token::And) => {
                    self.position += 1;
                }
                Some(_) => {
                    if let Some(part) = self.unary() {
                        parts.push(part);
                    }
                }
            }
        }
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Query::And(parts)),
        }
    }

    fn unary(&mut self) -> Option<Query> {
        let token = self.peek()?.clone();
        self.position += 1;
        if matches!(token, Token::Not | Token::Open) && self.depth >= MAX_NESTING {
            return None;
        }
        match token {
            Token::Not => {
                self.depth += 1;
                let inner = self.unary();
                self.depth -= 1;
                inner.map(|inner| Query::Not(Box::new(inner)))
            }
            Token::Open => {
                self.depth += 1;
                let inner = self.or_expression();
                self.depth -= 1;
                if self.peek() == Some(&Token::Close) {
                    self.position += 1;
                }
                inner
            }
            Token::Term(term) => Some(Query::Term(term)),
            Token::Close | Token::And | Token::Or => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item {
        sku: &'static str,
        status: &'static str,
        updated: &'static str,
        id: i64,
    }

    impl Searchable for Item {
        fn matches_field(&self, field: &str, term: &Term) -> Option<bool> {
            Some(match field {
                "sku" => term.matches_text(self.sku),
                "status" => term.matches_text(self.status),
                "updated_at" => term.matches_time(self.updated.parse().unwrap()),
                "id" => term.matches_number(self.id),
                _ => return None,
            })
        }

        fn matches_text(&self, text: &str) -> bool {
            self.sku.to_lowercase().contains(&text.to_lowercase())
        }
    }

    #[test]
    fn a_query_nested_thousands_deep_is_read_to_the_nesting_limit_without_overflowing_the_stack() {
        let deep = format!("{}sku:SKU-1{}", "(".repeat(50_000), ")".repeat(50_000));
        assert_eq!(Query::parse(&deep), Query::parse("sku:SKU-1"));
        let negated = format!("{}sku:SKU-1", "-".repeat(50_000));
        assert!(matches!(Query::parse(&negated), Query::Not(_)));
    }

    fn check(query: &str, expected: &[i64]) {
        let items = [
            Item { sku: "SKU-1", status: "active", updated: "2026-01-01T00:00:00Z", id: 1 },
            Item { sku: "SKU-2", status: "draft", updated: "2026-02-01T00:00:00Z", id: 2 },
            Item { sku: "OTHER-3", status: "active", updated: "2026-03-01T12:00:00Z", id: 3 },
        ];
        let parsed = Query::parse(query);
        let found: Vec<i64> = items.iter().filter(|item| parsed.matches(*item)).map(|item| item.id).collect();
        assert_eq!(found, expected, "query {query:?} parsed as {parsed:?}");
    }

    #[test]
    fn search_syntax_covers_fields_comparators_and_connectives() {
        check("", &[1, 2, 3]);
        check("status:active", &[1, 3]);
        check("status:ACTIVE sku:SKU*", &[1]);
        check("status:active AND sku:SKU*", &[1]);
        check("status:draft OR sku:OTHER-3", &[2, 3]);
        check("-status:draft", &[1, 3]);
        check("NOT status:draft", &[1, 3]);
        check("updated_at:>'2026-01-15T00:00:00Z'", &[2, 3]);
        check("updated_at:>=\"2026-02-01T00:00:00Z\"", &[2, 3]);
        check("updated_at:<2026-02-01", &[1]);
        check("updated_at:<='2026-02-01'", &[1, 2]);
        check("id:>=2 id:<3", &[2]);
        check("id:>1", &[2, 3]);
        check("(status:draft OR id:1) AND -sku:SKU-2", &[1]);
        check("unknown_field:x", &[1, 2, 3]);
        check("other", &[3]);
        check("id:>gid://shopify/Product/2", &[3]);
    }
}

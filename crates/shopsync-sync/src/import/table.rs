//! Reading a CSV file into named columns: byte order mark, separator sniffing, header checks, line numbers.

use std::collections::HashMap;

use super::{ImportError, RowError};

/// The columns one kind of file has.
pub(crate) struct Columns {
    /// Every accepted column, in the documented order.
    pub all: &'static [&'static str],
    /// The columns the header must have.
    pub required: &'static [&'static str],
}

/// One data row: its line number and its values by column name, trimmed.
pub(crate) struct Row {
    pub line: u64,
    values: HashMap<&'static str, String>,
}

impl Row {
    /// A row made from a record that did not come from a file (an API request): its values are trimmed as a
    /// file's cells are, so both go through the same checks. `line` is the record's place, numbered as lines are.
    pub fn from_values(line: u64, values: impl IntoIterator<Item = (&'static str, String)>) -> Row {
        let values = values.into_iter().map(|(column, value)| (column, value.trim().to_string())).collect();
        Row { line, values }
    }

    /// The value of a column; empty when the column is absent or the cell is blank.
    pub fn get(&self, column: &str) -> &str {
        self.values.get(column).map(String::as_str).unwrap_or("")
    }

    /// The value of a column, `None` when blank.
    pub fn optional(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|value| !value.is_empty())
    }
}

/// A file's data rows, and the rows that could not even be read as values (wrong number of cells, not UTF-8).
pub(crate) struct Table {
    pub rows: Vec<Row>,
    pub unreadable: Vec<Unreadable>,
}

/// A row that cannot be read, with a best guess at its values (by position, bad bytes replaced) so that an
/// import can still tell which record it belonged to and leave that record out.
pub(crate) struct Unreadable {
    pub error: RowError,
    pub guess: Row,
}

impl Table {
    /// A table of rows made from records (see [`Row::from_values`]).
    pub fn from_rows(rows: Vec<Row>) -> Table {
        Table { rows, unreadable: Vec::new() }
    }

    /// How many data rows the file has (blank rows left out).
    pub fn row_count(&self) -> u64 {
        (self.rows.len() + self.unreadable.len()) as u64
    }
}

/// Reads a whole file. Header problems (missing, unknown or repeated columns) fail the file: no row can be
/// trusted when the columns are wrong.
pub(crate) fn read(bytes: &[u8], columns: &Columns) -> Result<Table, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_separator(bytes))
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut records = reader.byte_records();

    let header = loop {
        match records.next() {
            None => return Err(ImportError::Empty),
            Some(record) => {
                let record = record.map_err(csv_error)?;
                if !is_blank(&record) {
                    break record;
                }
            }
        }
    };
    let header = check_header(&header, columns)?;

    let mut table = Table { rows: Vec::new(), unreadable: Vec::new() };
    let mut lines = LineCounter { bytes, offset: 0, line: 1 };
    for record in records {
        let record = record.map_err(csv_error)?;
        if is_blank(&record) {
            continue;
        }
        let line = lines.line_of(record.position().map(csv::Position::byte).unwrap_or(0));
        let guess = || Row {
            line,
            values: header
                .iter()
                .zip(record.iter())
                .map(|(c, v)| (*c, String::from_utf8_lossy(v).into_owned()))
                .collect(),
        };
        if record.len() != header.len() {
            table.unreadable.push(Unreadable {
                guess: guess(),
                error: RowError::new(
                    line,
                    format!(
                        "the row has {} values but the header has {} columns (a stray separator, or a value with a \
                     separator that is not in quotes?)",
                        record.len(),
                        header.len()
                    ),
                ),
            });
            continue;
        }
        let mut values = HashMap::with_capacity(header.len());
        let mut bad_text = None;
        for (column, cell) in header.iter().zip(record.iter()) {
            match std::str::from_utf8(cell) {
                Ok(text) => {
                    values.insert(*column, text.to_string());
                }
                Err(_) => {
                    bad_text = Some(*column);
                    break;
                }
            }
        }
        match bad_text {
            Some(column) => table.unreadable.push(Unreadable {
                guess: guess(),
                error: RowError::new(
                    line,
                    "the value is not UTF-8 text; save the file as UTF-8 (\"CSV UTF-8\" in Excel)",
                )
                .column(column),
            }),
            None => table.rows.push(Row { line, values }),
        }
    }
    Ok(table)
}

/// Line numbers of records, counted from their byte offsets.
///
/// The csv reader gives a record the position where its read started, which is before the line break that
/// ended the previous record when lines end with CRLF, and before any blank lines: its line number would be
/// one or more too low. The record really starts at the first byte that is not a line break.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// The line of the record whose read started at `byte`; records must come in file order.
    fn line_of(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.offset {
            self.line += self.bytes[self.offset..start].iter().filter(|b| **b == b'\n').count() as u64;
            self.offset = start;
        }
        self.line
    }
}

/// `;` when the header line holds more semicolons than commas (outside quotes), else `,`.
fn sniff_separator(bytes: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for &byte in bytes {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(<[u8]>::is_empty)
}

/// Maps header cells to the known column names (case, spaces and dashes ignored), or says what is wrong.
fn check_header(record: &csv::ByteRecord, columns: &Columns) -> Result<Vec<&'static str>, ImportError> {
    let mut header = Vec::with_capacity(record.len());
    let mut unknown = Vec::new();
    let mut repeated = Vec::new();
    for cell in record.iter() {
        let text = String::from_utf8_lossy(cell);
        let name = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        match columns.all.iter().find(|known| **known == name) {
            Some(known) if header.contains(known) => repeated.push(*known),
            Some(known) => header.push(*known),
            None => {
                unknown.push(text.trim().to_string());
                // Keep positions aligned; the file is refused anyway.
                header.push("");
            }
        }
    }
    let missing: Vec<&str> = columns.required.iter().copied().filter(|c| !header.contains(c)).collect();
    if unknown.is_empty() && repeated.is_empty() && missing.is_empty() {
        return Ok(header);
    }
    Err(ImportError::Header {
        unknown,
        repeated: repeated.into_iter().map(str::to_string).collect(),
        missing: missing.into_iter().map(str::to_string).collect(),
        accepted: columns.all.join(", "),
    })
}

fn csv_error(err: csv::Error) -> ImportError {
    let line = err.position().map(csv::Position::line);
    ImportError::Unreadable { line, reason: err.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: Columns = Columns { all: &["sku", "price", "compare_at_price"], required: &["sku", "price"] };

    #[test]
    fn a_bom_and_semicolons_are_read_like_plain_commas() {
        let plain = read(b"sku,price\nA,1.50\n", &COLUMNS).unwrap();
        let excel = read(b"\xEF\xBB\xBFSKU;Price\r\nA;1.50\r\n", &COLUMNS).unwrap();
        for table in [plain, excel] {
            assert_eq!(table.rows.len(), 1);
            assert_eq!((table.rows[0].line, table.rows[0].get("price")), (2, "1.50"));
            assert_eq!(table.rows[0].optional("compare_at_price"), None);
        }
    }

    #[test]
    fn a_comma_inside_quotes_does_not_make_commas_the_separator() {
        assert_eq!(sniff_separator(b"sku;\"price, in USD\";x\nA,B,C,D\n"), b';');
        assert_eq!(sniff_separator(b"sku\n"), b',');
    }

    #[test]
    fn header_problems_name_the_columns() {
        let Err(ImportError::Header { unknown, repeated, missing, .. }) = read(b"sku,sku,colour\nA,A,red\n", &COLUMNS)
        else {
            panic!("the header must be refused");
        };
        assert_eq!((unknown, repeated, missing), (vec!["colour".into()], vec!["sku".into()], vec!["price".into()]));
        assert!(matches!(read(b"\n\n", &COLUMNS), Err(ImportError::Empty)));
    }

    #[test]
    fn rows_that_cannot_be_read_are_reported_with_their_line() {
        let table = read(b"sku,price\r\n\r\nA,1,2\r\nB,\xFF\r\n,\r\nC,\"3\r\n\"\r\nD,4", &COLUMNS).unwrap();
        let lines: Vec<u64> = table.unreadable.iter().map(|u| u.error.line).collect();
        assert_eq!(lines, [3, 4]);
        let lines: Vec<u64> = table.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [6, 8], "a line break inside quotes counts");
        assert_eq!(table.row_count(), 4, "blank rows are not counted");
    }
}

//! `COPY (query) TO STDOUT` and `COPY table [(columns)] TO STDOUT`: the query runs like
//! any other (planned by the session, executed on the query pool under the statement
//! timeout and memory limit), its rows go out as COPY OUT messages in the text, CSV or
//! binary format. COPY to or from files and programs never gets here (`gate`).

use std::fmt::Debug;

use bytes::{BufMut, BytesMut};
use datafusion::arrow::array::RecordBatch;
use datafusion::sql::sqlparser::ast::{
    CopyLegacyCsvOption, CopyLegacyOption, CopyOption, CopySource, CopyTarget, Query, Statement,
};
use futures::{Sink, SinkExt, StreamExt};
use pgwire::api::portal::Format;
use pgwire::api::results::{CopyCsvOptions, CopyEncoder, CopyTextOptions, FieldInfo};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::copy::{CopyData, CopyDone, CopyOutResponse};

use super::errors::sql_error;

/// The output format of a COPY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    /// PostgreSQL's text format (tab-separated, `\N` for NULL).
    Text,
    /// CSV.
    Csv,
    /// PGCOPY binary.
    Binary,
}

/// What a `COPY ... TO STDOUT` asks for.
#[derive(Debug, Clone)]
pub struct CopySpec {
    /// The rows to copy.
    pub query: Box<Query>,
    /// Output format.
    pub format: CopyFormat,
    /// Column delimiter.
    pub delimiter: char,
    /// How NULL is written.
    pub null: String,
    /// A header line (CSV).
    pub header: bool,
    /// CSV quote character.
    pub quote: char,
    /// CSV escape character.
    pub escape: char,
}

fn unsupported(what: &str) -> PgWireError {
    sql_error("0A000", format!("COPY option {what} is not supported"))
}

/// The COPY TO STDOUT `stmt` asks for; an error for any other COPY or option.
pub fn spec(stmt: &Statement) -> PgWireResult<CopySpec> {
    let Statement::Copy {
        source,
        to: true,
        target: CopyTarget::Stdout,
        options,
        legacy_options,
        ..
    } = stmt
    else {
        return Err(sql_error(
            "42501",
            "permission denied: COPY to or from a file or program is not allowed",
        ));
    };
    let query: Box<Query> = match source {
        CopySource::Query(q) => q.clone(),
        CopySource::Table {
            table_name,
            columns,
        } => {
            let cols = if columns.is_empty() {
                "*".to_string()
            } else {
                columns
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let sql = format!("SELECT {cols} FROM {table_name}");
            match super::sql::parse_sql(&super::sql::PgParser::new(), &sql)?
                .into_iter()
                .next()
            {
                Some(Statement::Query(q)) => q,
                _ => return Err(sql_error("42601", "COPY: cannot read the table")),
            }
        }
    };
    let mut format = CopyFormat::Text;
    let mut delimiter = None;
    let mut null = None;
    let mut header = false;
    let mut quote = '"';
    let mut escape = None;
    for o in options {
        match o {
            CopyOption::Format(f) => {
                format = match f.value.to_ascii_lowercase().as_str() {
                    "text" => CopyFormat::Text,
                    "csv" => CopyFormat::Csv,
                    "binary" => CopyFormat::Binary,
                    other => {
                        return Err(sql_error(
                            "22023",
                            format!("COPY format \"{other}\" not recognized"),
                        ));
                    }
                }
            }
            CopyOption::Delimiter(c) => delimiter = Some(*c),
            CopyOption::Null(s) => null = Some(s.clone()),
            CopyOption::Header(h) => header = *h,
            CopyOption::Quote(c) => quote = *c,
            CopyOption::Escape(c) => escape = Some(*c),
            CopyOption::Encoding(e) => {
                let e = e.to_ascii_lowercase().replace(['-', '_'], "");
                if e != "utf8" {
                    return Err(unsupported(&format!("ENCODING '{e}' (only UTF8)")));
                }
            }
            other => return Err(unsupported(&other.to_string())),
        }
    }
    for o in legacy_options {
        match o {
            CopyLegacyOption::Binary => format = CopyFormat::Binary,
            CopyLegacyOption::Delimiter(c) => delimiter = Some(*c),
            CopyLegacyOption::Null(s) => null = Some(s.clone()),
            CopyLegacyOption::Header => header = true,
            CopyLegacyOption::Csv(csv) => {
                format = CopyFormat::Csv;
                for c in csv {
                    match c {
                        CopyLegacyCsvOption::Header => header = true,
                        CopyLegacyCsvOption::Quote(q) => quote = *q,
                        CopyLegacyCsvOption::Escape(e) => escape = Some(*e),
                        other => return Err(unsupported(&other.to_string())),
                    }
                }
            }
            other => return Err(unsupported(&other.to_string())),
        }
    }
    if header && format != CopyFormat::Csv {
        return Err(sql_error("0A000", "COPY HEADER available only in CSV mode"));
    }
    if format == CopyFormat::Binary && (delimiter.is_some() || null.is_some()) {
        return Err(sql_error(
            "42601",
            "cannot specify DELIMITER or NULL in BINARY mode",
        ));
    }
    let delimiter = delimiter.unwrap_or(if format == CopyFormat::Csv { ',' } else { '\t' });
    Ok(CopySpec {
        query,
        format,
        delimiter,
        null: null.unwrap_or_else(|| {
            if format == CopyFormat::Csv {
                String::new()
            } else {
                "\\N".into()
            }
        }),
        header,
        quote,
        escape: escape.unwrap_or(quote),
    })
}

impl CopySpec {
    /// The result column format the rows are encoded with.
    pub fn result_format(&self) -> Format {
        match self.format {
            CopyFormat::Binary => Format::UnifiedBinary,
            _ => Format::UnifiedText,
        }
    }

    fn encoder(&self, fields: std::sync::Arc<Vec<FieldInfo>>) -> CopyEncoder {
        match self.format {
            CopyFormat::Text => CopyEncoder::new_text(
                fields,
                CopyTextOptions {
                    delimiter: self.delimiter.to_string().into(),
                    null_string: self.null.clone().into(),
                },
            ),
            CopyFormat::Csv => CopyEncoder::new_csv(
                fields,
                CopyCsvOptions {
                    delimiter: self.delimiter.to_string().into(),
                    quote: self.quote.to_string().into(),
                    escape: self.escape.to_string().into(),
                    null_string: self.null.clone().into(),
                    force_quote: vec![],
                },
            ),
            CopyFormat::Binary => CopyEncoder::new_binary(fields),
        }
    }

    fn csv_header(&self, fields: &[FieldInfo]) -> Vec<u8> {
        let names: Vec<String> = fields
            .iter()
            .map(|f| {
                let n = f.name();
                if n.contains(self.delimiter)
                    || n.contains(self.quote)
                    || n.contains('\n')
                    || n.contains('\r')
                {
                    let q = self.quote.to_string();
                    format!("{q}{}{q}", n.replace(&q, &format!("{q}{q}")))
                } else {
                    n.to_string()
                }
            })
            .collect();
        let mut line = names.join(&self.delimiter.to_string()).into_bytes();
        line.push(b'\n');
        line
    }
}

/// PGCOPY's file header (signature, flags, no extension area).
fn binary_header() -> Vec<u8> {
    let mut b = BytesMut::new();
    b.put_slice(b"PGCOPY\n\xff\r\n\0");
    b.put_i32(0);
    b.put_i32(0);
    b.to_vec()
}

/// Send `batches` to `client` as a COPY OUT: CopyOutResponse, the rows (one CopyData per
/// row), CopyDone. Returns the number of rows; the caller sends the command tag.
pub async fn send<C>(
    client: &mut C,
    spec: &CopySpec,
    fields: std::sync::Arc<Vec<FieldInfo>>,
    mut batches: futures::stream::BoxStream<'static, datafusion::error::Result<RecordBatch>>,
) -> PgWireResult<usize>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let format: i8 = if spec.format == CopyFormat::Binary {
        1
    } else {
        0
    };
    let columns = fields.len();
    client
        .send(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
            format,
            columns as i16,
            vec![format as i16; columns],
        )))
        .await?;
    if spec.header {
        client
            .feed(PgWireBackendMessage::CopyData(CopyData::new(
                spec.csv_header(&fields).into(),
            )))
            .await?;
    }
    let mut encoder = spec.encoder(fields.clone());
    let mut rows = 0usize;
    while let Some(batch) = batches.next().await {
        let batch = batch.map_err(|e| PgWireError::ApiError(Box::new(e)))?;
        if batch.num_rows() == 0 {
            continue;
        }
        let schema = batch.schema();
        for row in 0..batch.num_rows() {
            for (col, pg_field) in fields.iter().enumerate() {
                datafusion_postgres::arrow_pg::encoder::encode_value(
                    &mut encoder,
                    batch.column(col),
                    row,
                    schema.field(col),
                    pg_field,
                )?;
            }
            // One row per message, as PostgreSQL sends them (tokio-postgres' binary
            // reader expects exactly that).
            client
                .feed(PgWireBackendMessage::CopyData(encoder.take_copy()))
                .await?;
            rows += 1;
        }
    }
    if spec.format == CopyFormat::Binary {
        let mut tail = Vec::new();
        if rows == 0 {
            // The encoder writes the header with the first row.
            tail.extend_from_slice(&binary_header());
        }
        tail.extend_from_slice(&[0xFF, 0xFF]);
        client
            .feed(PgWireBackendMessage::CopyData(CopyData::new(tail.into())))
            .await?;
    }
    client
        .send(PgWireBackendMessage::CopyDone(CopyDone::new()))
        .await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn parse(sql: &str) -> PgWireResult<CopySpec> {
        spec(
            &Parser::parse_sql(&PostgreSqlDialect {}, sql)
                .unwrap()
                .remove(0),
        )
    }

    #[test]
    fn copy_options() {
        let s = parse("COPY (select 1) TO STDOUT").unwrap();
        assert_eq!(
            (s.format, s.delimiter, s.null.as_str()),
            (CopyFormat::Text, '\t', "\\N")
        );
        let s = parse("COPY (select 1) TO STDOUT WITH (FORMAT csv, HEADER)").unwrap();
        assert_eq!(
            (s.format, s.delimiter, s.header),
            (CopyFormat::Csv, ',', true)
        );
        let s = parse("COPY (select 1) TO STDOUT WITH CSV HEADER").unwrap();
        assert_eq!((s.format, s.header), (CopyFormat::Csv, true));
        let s = parse("COPY aws_iam_user (name, arn) TO STDOUT (FORMAT binary)").unwrap();
        assert_eq!(s.format, CopyFormat::Binary);
        assert_eq!(s.query.to_string(), "SELECT name, arn FROM aws_iam_user");
        assert!(parse("COPY (select 1) TO '/tmp/x'").is_err());
        assert!(parse("COPY (select 1) TO STDOUT WITH (FORMAT parquet)").is_err());
    }
}

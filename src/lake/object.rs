//! Rows of one class and day to one Parquet object, within Security Lake's limits.
//!
//! Security Lake's custom-source requirements (its user guide, "Collecting data from custom
//! sources"): one OCSF class per object, Parquet 1.x or 2.x, data pages of at most 1 MB
//! uncompressed, row groups of at most 256 MB compressed, zstd preferred, records ordered by
//! time. Rows arrive here sorted; Arrow's JSON decoder fills the class's fixed columns
//! ([`super::schema`]) [`BATCH_ROWS`] rows at a time.

use arrow_json::ReaderBuilder;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{WriterProperties, WriterVersion};
use sha2::{Digest, Sha256};

/// Rows decoded into Arrow at a time.
pub const BATCH_ROWS: usize = 1024;
/// Rows per row group: far under 256 MB compressed (mwsiem's rows are ~1.5 KB of JSON).
pub const ROW_GROUP_ROWS: usize = 65_536;
/// Security Lake's limit on a data page, uncompressed.
pub const DATA_PAGE_BYTES: usize = 1 << 20;
/// Values written between two checks of a page's size: a page ends at most this many values
/// past 1 MB (most values are a few bytes; `unmapped` a few KB).
const PAGE_CHECK_ROWS: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("a row does not fit the class's columns: {0}")]
    Decode(#[from] arrow_schema::ArrowError),
    #[error("cannot encode Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
}

/// A finished object: its bytes and the name derived from its content.
#[derive(Debug)]
pub struct Object {
    pub bytes: Vec<u8>,
    /// `<first time>-<last time>-<sha256 of the rows, 16 hex>.parquet`: the same rows give the
    /// same name, so writing an object again (after a crash) replaces it instead of adding a copy.
    pub name: String,
}

/// Writes one object from `rows` (JSON objects, sorted by time, each `(time_ms, json)`).
pub fn write_object<R: AsRef<[u8]>>(
    schema: &SchemaRef,
    class_uid: i64,
    rows: impl Iterator<Item = (i64, R)>,
) -> Result<Object, ObjectError> {
    let props = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_data_page_size_limit(DATA_PAGE_BYTES)
        .set_dictionary_page_size_limit(DATA_PAGE_BYTES)
        .set_write_batch_size(PAGE_CHECK_ROWS)
        .set_statistics_enabled(parquet::file::properties::EnabledStatistics::Chunk)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("mwsiem {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![
            KeyValue::new("ocsf_version".to_owned(), super::schema::LAKE_OCSF_VERSION.to_owned()),
            KeyValue::new("ocsf_class_uid".to_owned(), class_uid.to_string()),
        ]))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props))?;
    let mut decoder = ReaderBuilder::new(schema.clone())
        .with_batch_size(BATCH_ROWS)
        .build_decoder()?;
    let mut hash = Sha256::new();
    let (mut first, mut last) = (None, 0);
    for (time, row) in rows {
        first.get_or_insert(time);
        last = time;
        let row = row.as_ref();
        hash.update(row);
        hash.update(b"\n");
        let mut rest = row;
        while !rest.is_empty() {
            let used = decoder.decode(rest)?;
            rest = &rest[used..];
            if (decoder.len() >= BATCH_ROWS || (used == 0 && !rest.is_empty()))
                && let Some(batch) = decoder.flush()?
            {
                writer.write(&batch)?;
            }
        }
    }
    if let Some(batch) = decoder.flush()? {
        writer.write(&batch)?;
    }
    let bytes = writer.into_inner()?;
    let digest = hash.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Ok(Object {
        bytes,
        name: format!("{}-{last}-{hex}.parquet", first.unwrap_or(0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::schema::ClassColumns;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    const SCHEMA: &str = r##"{"$defs": {}, "properties": {
        "time": {"type": "integer"}, "class_uid": {"type": "integer"},
        "message": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}}"##;

    #[test]
    fn rows_become_one_zstd_object_named_by_content() {
        let c = ClassColumns::from_json_schema("t", SCHEMA).unwrap();
        let rows: Vec<(i64, Vec<u8>)> = (0..3000)
            .map(|i| {
                (
                    i,
                    format!(r#"{{"time":{i},"class_uid":6003,"message":"m{i}","tags":["a"]}}"#).into_bytes(),
                )
            })
            .collect();
        let obj = write_object(&c.arrow, 6003, rows.iter().map(|(t, r)| (*t, r.as_slice()))).unwrap();
        assert!(
            obj.name.starts_with("0-2999-") && obj.name.ends_with(".parquet"),
            "{}",
            obj.name
        );
        let again = write_object(&c.arrow, 6003, rows.iter().map(|(t, r)| (*t, r.as_slice()))).unwrap();
        assert_eq!(
            (again.name, again.bytes),
            (obj.name.clone(), obj.bytes.clone()),
            "deterministic"
        );

        let path = std::env::temp_dir().join(format!("mwsiem-object-{}.parquet", std::process::id()));
        std::fs::write(&path, &obj.bytes).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.file_metadata().num_rows(), 3000);
        let kv = meta.file_metadata().key_value_metadata().unwrap();
        assert!(
            kv.iter()
                .any(|k| k.key == "ocsf_version" && k.value.as_deref() == Some("1.3.0"))
        );
        for col in meta.row_group(0).columns() {
            assert_eq!(col.compression(), Compression::ZSTD(ZstdLevel::default()));
        }
    }

    #[test]
    fn a_row_that_does_not_fit_is_an_error() {
        let c = ClassColumns::from_json_schema("t", SCHEMA).unwrap();
        let bad = br#"{"time":"soon"}"#;
        assert!(write_object(&c.arrow, 1, std::iter::once((0, &bad[..]))).is_err());
    }
}

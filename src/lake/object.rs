//! Rows of one class and day to one Parquet object, within Security Lake's limits.
//!
//! Security Lake's custom-source requirements (its user guide, "Collecting data from custom
//! sources"): one OCSF class per object, Parquet 1.x or 2.x, data pages of at most 1 MB
//! uncompressed, row groups of at most 256 MB compressed, zstd preferred, records ordered by
//! time. Rows arrive here sorted; Arrow's JSON decoder fills the class's fixed columns
//! ([`super::schema`]) [`BATCH_ROWS`] rows at a time.

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_json::ReaderBuilder;
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::{ArrowSchemaConverter, ArrowWriter};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
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
    #[error("cannot read a row: {0}")]
    Read(std::io::Error),
}

/// A finished object: its bytes and the name derived from its content.
#[derive(Debug)]
pub struct Object {
    pub bytes: Vec<u8>,
    /// `<first time>-<last time>-<sha256 of the rows, 16 hex>.parquet`: the same rows give the
    /// same name, so writing an object again (after a crash) replaces it instead of adding a copy.
    pub name: String,
}

/// Writes one object from the rows `rows()` yields (JSON objects, sorted by time, each
/// `(time_ms, json)`; a read failure ends the object as an error).
///
/// Two passes over the rows: the first finds the columns that hold a value in this object, the
/// second writes. A class has up to ~2,000 leaf columns and a row fills a few dozen; zstd
/// compresses the filled ones, and the all-null ones (a few bytes of levels each) stay
/// uncompressed, because a zstd context per column chunk cost 70% of the encoding time.
pub fn write_object<R, I>(schema: &SchemaRef, class_uid: i64, rows: impl Fn() -> I) -> Result<Object, ObjectError>
where
    R: AsRef<[u8]>,
    I: Iterator<Item = std::io::Result<(i64, R)>>,
{
    let mut filled = vec![false; 0];
    decode(schema, rows(), |batch| {
        let mut leaf = 0;
        for column in batch.columns() {
            mark_filled(column.as_ref(), &mut leaf, &mut filled);
        }
        Ok(())
    })?;
    let descriptor = ArrowSchemaConverter::new().convert(schema)?;
    let mut props = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::UNCOMPRESSED)
        .set_data_page_size_limit(DATA_PAGE_BYTES)
        .set_dictionary_page_size_limit(DATA_PAGE_BYTES)
        .set_write_batch_size(PAGE_CHECK_ROWS)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("mwsiem {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![
            KeyValue::new("ocsf_version".to_owned(), super::schema::LAKE_OCSF_VERSION.to_owned()),
            KeyValue::new("ocsf_class_uid".to_owned(), class_uid.to_string()),
        ]));
    for (i, column) in descriptor.columns().iter().enumerate() {
        if filled.get(i).copied().unwrap_or(false) {
            props = props.set_column_compression(column.path().clone(), Compression::ZSTD(ZstdLevel::default()));
        }
    }
    let mut writer = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props.build()))?;
    let mut hash = Sha256::new();
    let (mut first, mut last) = (None, 0);
    let hashed = rows().map(|row| {
        let (time, row) = row?;
        first.get_or_insert(time);
        last = time;
        hash.update(row.as_ref());
        hash.update(b"\n");
        Ok((time, row))
    });
    decode(schema, hashed, |batch| Ok(writer.write(batch)?))?;
    let bytes = writer.into_inner()?;
    let digest = hash.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Ok(Object {
        bytes,
        name: format!("{}-{last}-{hex}.parquet", first.unwrap_or(0)),
    })
}

/// Feeds rows through Arrow's JSON decoder, [`BATCH_ROWS`] at a time, into `each`.
fn decode<R: AsRef<[u8]>>(
    schema: &SchemaRef,
    rows: impl Iterator<Item = std::io::Result<(i64, R)>>,
    mut each: impl FnMut(&RecordBatch) -> Result<(), ObjectError>,
) -> Result<(), ObjectError> {
    let mut decoder = ReaderBuilder::new(schema.clone())
        .with_batch_size(BATCH_ROWS)
        .build_decoder()?;
    for row in rows {
        let (_, row) = row.map_err(ObjectError::Read)?;
        let mut rest = row.as_ref();
        while !rest.is_empty() {
            let used = decoder.decode(rest)?;
            rest = &rest[used..];
            if (decoder.len() >= BATCH_ROWS || (used == 0 && !rest.is_empty()))
                && let Some(batch) = decoder.flush()?
            {
                each(&batch)?;
            }
        }
    }
    if let Some(batch) = decoder.flush()? {
        each(&batch)?;
    }
    Ok(())
}

/// Marks, in Parquet's leaf order (depth first, as `ArrowSchemaConverter` lays columns out),
/// the leaves of `array` that hold at least one value. A leaf under a null parent may count as
/// filled: that only compresses a column that did not need it.
fn mark_filled(array: &dyn Array, leaf: &mut usize, filled: &mut Vec<bool>) {
    let children: Vec<&dyn Array> = match array.data_type() {
        DataType::Struct(_) => array.as_struct().columns().iter().map(|c| c.as_ref()).collect(),
        DataType::List(_) => vec![array.as_list::<i32>().values().as_ref()],
        DataType::LargeList(_) => vec![array.as_list::<i64>().values().as_ref()],
        DataType::Map(_, _) => {
            let entries = array.as_map().entries();
            entries.columns().iter().map(|c| c.as_ref()).collect()
        }
        _ => {
            if filled.len() <= *leaf {
                filled.resize(*leaf + 1, false);
            }
            filled[*leaf] |= array.null_count() < array.len();
            *leaf += 1;
            return;
        }
    };
    for child in children {
        mark_filled(child, leaf, filled);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::schema::ClassColumns;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    const SCHEMA: &str = r##"{"$defs": {}, "properties": {
        "time": {"type": "integer"}, "class_uid": {"type": "integer"},
        "message": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
        "other": {"type": "array", "items": {"type": "string"}}}}"##;

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
        let each = || rows.iter().map(|(t, r)| Ok((*t, r.as_slice())));
        let obj = write_object(&c.arrow, 6003, each).unwrap();
        assert!(
            obj.name.starts_with("0-2999-") && obj.name.ends_with(".parquet"),
            "{}",
            obj.name
        );
        let again = write_object(&c.arrow, 6003, each).unwrap();
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
        // Columns holding a value are zstd; `other`, empty in every row, is not compressed.
        assert_eq!(meta.row_group(0).columns().len(), 5);
        for col in meta.row_group(0).columns() {
            let filled = col.column_path().parts()[0] != "other";
            let want = if filled {
                Compression::ZSTD(ZstdLevel::default())
            } else {
                Compression::UNCOMPRESSED
            };
            assert_eq!(col.compression(), want, "{}", col.column_path());
        }
    }

    #[test]
    fn a_row_that_does_not_fit_is_an_error() {
        let c = ClassColumns::from_json_schema("t", SCHEMA).unwrap();
        let bad = br#"{"time":"soon"}"#;
        assert!(write_object(&c.arrow, 1, || std::iter::once(Ok((0, &bad[..])))).is_err());
    }
}

//! Fuzz builds may link a prebuilt RocksDB instead of compiling it (compiling it under the
//! fuzz flags takes most of a first build): set `ROCKSDB_LIB_DIR` to a folder holding a
//! `librocksdb.a` of the same librocksdb-sys version and `ROCKSDB_STATIC=1`. librocksdb-sys then
//! links that archive but, unlike its own build, does not link the C++ runtime it needs; this
//! adds it. Without `ROCKSDB_LIB_DIR` it does nothing.
fn main() {
    println!("cargo:rerun-if-env-changed=ROCKSDB_LIB_DIR");
    if std::env::var_os("ROCKSDB_LIB_DIR").is_some() {
        println!("cargo:rustc-link-lib=stdc++");
    }
}

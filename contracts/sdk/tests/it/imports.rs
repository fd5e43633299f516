//! The SDK declares the 33 `ethereum` imports, module `rewasm`'s and module `debug`'s
//! `printMem` by hand (`rewasm_sdk::eei::sys`); the node checks a contract's imports against
//! `rewasm_eei::EEI_FUNCTIONS`, `REWASM_FUNCTIONS` and `DEBUG_FUNCTIONS`. A name or signature that drifts
//! between the two would make every contract using that function fail validation on deploy, so
//! this test reads the SDK's declarations (with `syn`, from the source) and compares each with
//! the table: same names, and on wasm32 pointers and `i32` are `i32`, `i64` is `i64`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use rewasm_eei::{
    DEBUG_FUNCTIONS, DEBUG_MODULE, EEI_FUNCTIONS, ETHEREUM_MODULE, REWASM_FUNCTIONS, REWASM_MODULE,
    WasmType,
};
use syn::{ForeignItem, Item, Lit, Meta, ReturnType, Type};

/// (params, results) of each declared import, by `module.name`.
type Signatures = BTreeMap<String, (Vec<WasmType>, Vec<WasmType>)>;

fn wasm_type(ty: &Type) -> WasmType {
    match ty {
        Type::Ptr(_) => WasmType::I32,
        Type::Path(path) if path.path.is_ident("i32") => WasmType::I32,
        Type::Path(path) if path.path.is_ident("i64") => WasmType::I64,
        other => panic!(
            "an EEI import with a non-integer type: {}",
            quote_type(other)
        ),
    }
}

fn quote_type(ty: &Type) -> String {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::"),
        _ => "a non-path type".to_string(),
    }
}

/// The `#[link_name = "..."]` of an item, or its Rust name.
fn import_name(function: &syn::ForeignItemFn) -> String {
    function
        .attrs
        .iter()
        .find_map(|attr| match &attr.meta {
            Meta::NameValue(pair) if pair.path.is_ident("link_name") => match &pair.value {
                syn::Expr::Lit(lit) => match &lit.lit {
                    Lit::Str(name) => Some(name.value()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_else(|| function.sig.ident.to_string())
}

/// The `wasm_import_module` of an extern block's `#[link(...)]`.
fn import_module(block: &syn::ItemForeignMod) -> String {
    block
        .attrs
        .iter()
        .find_map(|attr| match &attr.meta {
            Meta::List(list) if list.path.is_ident("link") => {
                let tokens = list.tokens.to_string();
                let (_, quoted) = tokens.split_once("wasm_import_module = \"")?;
                quoted.split_once('"').map(|(module, _)| module.to_string())
            }
            _ => None,
        })
        .expect("every extern block names its wasm_import_module")
}

fn sdk_imports() -> Signatures {
    // Read when the test runs (cargo sets it): a target folder shared between checkouts can
    // hold a binary compiled in another one, whose compile-time path may be gone.
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let path = crate_dir.join("src/eei.rs");
    let source = std::fs::read_to_string(&path).unwrap();
    let file = syn::parse_file(&source).unwrap();
    let sys = file
        .items
        .iter()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == "sys" => module.content.as_ref(),
            _ => None,
        })
        .expect("the sys module");
    let mut imports = Signatures::new();
    for item in &sys.1 {
        let Item::ForeignMod(block) = item else {
            continue;
        };
        let module = import_module(block);
        for foreign in &block.items {
            let ForeignItem::Fn(function) = foreign else {
                continue;
            };
            let params = function
                .sig
                .inputs
                .iter()
                .map(|input| match input {
                    syn::FnArg::Typed(arg) => wasm_type(&arg.ty),
                    syn::FnArg::Receiver(_) => panic!("a receiver in an extern block"),
                })
                .collect();
            let results = match &function.sig.output {
                ReturnType::Default => Vec::new(),
                // `-> !` (finish, revert, selfDestruct) returns nothing to wasm.
                ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)) => Vec::new(),
                ReturnType::Type(_, ty) => vec![wasm_type(ty)],
            };
            let name = format!("{module}.{}", import_name(function));
            assert!(
                imports.insert(name.clone(), (params, results)).is_none(),
                "{name} declared twice"
            );
        }
    }
    imports
}

#[test]
fn the_sdk_declares_exactly_the_host_functions_with_their_signatures() {
    let declared = sdk_imports();
    let module = |name: &str, functions: &[rewasm_eei::HostFunction]| {
        functions
            .iter()
            .map(|f| {
                let signature = (f.params.to_vec(), f.results.to_vec());
                (format!("{name}.{}", f.name), signature)
            })
            .collect::<Vec<_>>()
    };
    // Of module `debug` (dev chains) the SDK declares `printMem` only, which `debug!` calls.
    let printing = module(DEBUG_MODULE, &DEBUG_FUNCTIONS)
        .into_iter()
        .filter(|(name, _)| name == "debug.printMem");
    let expected: Signatures = module(ETHEREUM_MODULE, &EEI_FUNCTIONS)
        .into_iter()
        .chain(module(REWASM_MODULE, &REWASM_FUNCTIONS))
        .chain(printing)
        .collect();
    for (name, signature) in &expected {
        assert_eq!(
            declared.get(name),
            Some(signature),
            "{name}: the SDK's declaration differs from the host's table"
        );
    }
    let extra: Vec<_> = declared
        .keys()
        .filter(|name| !expected.contains_key(*name))
        .collect();
    assert!(extra.is_empty(), "not host functions: {extra:?}");
    assert_eq!(declared.len(), 33 + 1 + 1);
}

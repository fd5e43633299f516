//! Rust types → Solidity ABI types, names, selectors and ABI JSON fragments.
//!
//! The mapping is syntactic (the macro sees tokens, not resolved types), and it is the same table
//! `rewasm_sdk::abi` implements `AbiType` with; a type outside it is a compile error naming the
//! supported types.

use sha3::{Digest, Keccak256};
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type};

/// A Solidity ABI type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SolType {
    /// `uint256`, `address`, `bytes`, `string`, `bytes32`, …
    Elementary(String),
    /// `T[]`.
    Array(Box<SolType>),
    /// `(a,b)`; the empty tuple is Rust's `()`.
    Tuple(Vec<SolType>),
}

impl SolType {
    /// The name in a signature: `uint256`, `address[]`, `(uint256,bool)[]`.
    pub(crate) fn signature(&self) -> String {
        match self {
            SolType::Elementary(name) => name.clone(),
            SolType::Array(inner) => format!("{}[]", inner.signature()),
            SolType::Tuple(items) => format!("({})", signature_list(items)),
        }
    }

    /// A JSON parameter object (`{"name":…,"type":…}` with `components` for tuples).
    pub(crate) fn json_param(&self, name: &str, indexed: Option<bool>) -> String {
        let mut depth = 0;
        let mut base = self;
        while let SolType::Array(inner) = base {
            depth += 1;
            base = inner;
        }
        let suffix = "[]".repeat(depth);
        let mut out = format!("{{\"name\":\"{}\",", json_escape(name));
        match base {
            SolType::Tuple(items) => {
                let components: Vec<String> =
                    items.iter().map(|item| item.json_param("", None)).collect();
                out.push_str(&format!(
                    "\"type\":\"tuple{suffix}\",\"components\":[{}]",
                    components.join(",")
                ));
            }
            _ => out.push_str(&format!("\"type\":\"{}\"", self.signature())),
        }
        if let Some(indexed) = indexed {
            out.push_str(&format!(",\"indexed\":{indexed}"));
        }
        out.push('}');
        out
    }
}

/// `a,b,c` of the signatures.
pub(crate) fn signature_list(items: &[SolType]) -> String {
    items
        .iter()
        .map(SolType::signature)
        .collect::<Vec<_>>()
        .join(",")
}

/// Minimal JSON string escaping (names are identifiers or `#[name]` strings).
pub(crate) fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// keccak256 of `data`.
pub(crate) fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The 4-byte selector of a signature.
pub(crate) fn selector(signature: &str) -> [u8; 4] {
    let [a, b, c, d, ..] = keccak256(signature.as_bytes());
    [a, b, c, d]
}

const SUPPORTED: &str = "supported: u8, u16, u32, u64, u128, U256, i8, i16, i32, i64, i128, bool, \
                         Address (H160), H256, [u8; N] (1 <= N <= 32), Vec<u8>, String, Vec<T>, \
                         and tuples of these";

fn unsupported(ty: &Type) -> syn::Error {
    syn::Error::new(
        ty.span(),
        format!("this type has no Solidity ABI type in rewasm-sdk ({SUPPORTED})"),
    )
}

/// The single generic type argument of a path segment (`Vec<T>` → `T`).
fn single_type_arg(arguments: &PathArguments) -> Option<&Type> {
    match arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match args.args.first() {
            Some(GenericArgument::Type(ty)) => Some(ty),
            _ => None,
        },
        _ => None,
    }
}

fn is_u8(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("u8"))
}

/// Maps a Rust type to its Solidity type. `allow_refs` permits `&T` / `&str` / `&[T]` (return
/// values, event fields); arguments must be owned since they are decoded.
pub(crate) fn map_type(ty: &Type, allow_refs: bool) -> syn::Result<SolType> {
    match ty {
        Type::Paren(inner) => map_type(&inner.elem, allow_refs),
        Type::Group(inner) => map_type(&inner.elem, allow_refs),
        Type::Reference(reference) => {
            if allow_refs {
                map_type(&reference.elem, allow_refs)
            } else {
                Err(syn::Error::new(
                    ty.span(),
                    "contract function arguments are decoded from the call data: take owned \
                     types (String, Vec<u8>, Vec<T>), not references",
                ))
            }
        }
        Type::Tuple(tuple) => Ok(SolType::Tuple(
            tuple
                .elems
                .iter()
                .map(|elem| map_type(elem, allow_refs))
                .collect::<syn::Result<_>>()?,
        )),
        Type::Array(array) => {
            let len = match &array.len {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                }) => n.base10_parse::<usize>().ok(),
                _ => None,
            };
            match len {
                Some(n) if is_u8(&array.elem) && (1..=32).contains(&n) => {
                    Ok(SolType::Elementary(format!("bytes{n}")))
                }
                _ => Err(syn::Error::new(
                    ty.span(),
                    format!(
                        "only [u8; N] with a literal 1 <= N <= 32 (bytesN) is supported as an \
                         array ({SUPPORTED})"
                    ),
                )),
            }
        }
        Type::Slice(slice) if allow_refs => {
            if is_u8(&slice.elem) {
                Ok(SolType::Elementary("bytes".into()))
            } else {
                Ok(SolType::Array(Box::new(map_type(&slice.elem, allow_refs)?)))
            }
        }
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return Err(unsupported(ty));
            };
            let name = last.ident.to_string();
            let elementary = match name.as_str() {
                "u8" | "u16" | "u32" | "u64" | "u128" => {
                    format!("uint{}", name.trim_start_matches('u'))
                }
                "i8" | "i16" | "i32" | "i64" | "i128" => {
                    format!("int{}", name.trim_start_matches('i'))
                }
                "U256" => "uint256".into(),
                "bool" => "bool".into(),
                "Address" | "H160" => "address".into(),
                "H256" => "bytes32".into(),
                "String" => "string".into(),
                "str" if allow_refs => "string".into(),
                "Vec" => {
                    let Some(inner) = single_type_arg(&last.arguments) else {
                        return Err(unsupported(ty));
                    };
                    if is_u8(inner) {
                        "bytes".into()
                    } else {
                        return Ok(SolType::Array(Box::new(map_type(inner, allow_refs)?)));
                    }
                }
                _ => return Err(unsupported(ty)),
            };
            if !matches!(last.arguments, PathArguments::None) && name != "Vec" {
                return Err(unsupported(ty));
            }
            Ok(SolType::Elementary(elementary))
        }
        _ => Err(unsupported(ty)),
    }
}

/// `snake_case` → `lowerCamelCase`, keeping leading underscores (`balance_of` → `balanceOf`,
/// `_to` → `_to`, `total_supply` → `totalSupply`).
pub(crate) fn camel_case(name: &str) -> String {
    let trimmed = name.trim_start_matches('_');
    let mut out: String = "_".repeat(name.len() - trimmed.len());
    let mut upper = false;
    let mut first = true;
    for c in trimmed.chars() {
        if c == '_' {
            upper = !first;
            continue;
        }
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        upper = false;
        first = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sol(ty: &str) -> String {
        let ty: Type = syn::parse_str(ty).unwrap();
        map_type(&ty, true).unwrap().signature()
    }

    #[test]
    fn maps_rust_types() {
        assert_eq!(sol("u8"), "uint8");
        assert_eq!(sol("u128"), "uint128");
        assert_eq!(sol("i64"), "int64");
        assert_eq!(sol("U256"), "uint256");
        assert_eq!(sol("rewasm_sdk::U256"), "uint256");
        assert_eq!(sol("Address"), "address");
        assert_eq!(sol("H160"), "address");
        assert_eq!(sol("H256"), "bytes32");
        assert_eq!(sol("[u8; 32]"), "bytes32");
        assert_eq!(sol("[u8; 4]"), "bytes4");
        assert_eq!(sol("Vec<u8>"), "bytes");
        assert_eq!(sol("String"), "string");
        assert_eq!(sol("&str"), "string");
        assert_eq!(sol("Vec<Address>"), "address[]");
        assert_eq!(sol("Vec<Vec<u8>>"), "bytes[]");
        assert_eq!(sol("Vec<Vec<U256>>"), "uint256[][]");
        assert_eq!(sol("(U256, bool)"), "(uint256,bool)");
        assert_eq!(sol("Vec<(Address, U256)>"), "(address,uint256)[]");
        assert_eq!(sol("()"), "()");
    }

    #[test]
    fn rejects_unsupported_types() {
        for text in [
            "usize",
            "f64",
            "[u8; 33]",
            "[u16; 2]",
            "Option<U256>",
            "HashMap<u8, u8>",
        ] {
            let ty: Type = syn::parse_str(text).unwrap();
            assert!(map_type(&ty, true).is_err(), "{text}");
        }
        let ty: Type = syn::parse_str("&str").unwrap();
        assert!(map_type(&ty, false).is_err());
    }

    #[test]
    fn camel_cases_names() {
        assert_eq!(camel_case("balance_of"), "balanceOf");
        assert_eq!(camel_case("transfer_from"), "transferFrom");
        assert_eq!(camel_case("total_supply"), "totalSupply");
        assert_eq!(camel_case("transfer"), "transfer");
        assert_eq!(camel_case("_to"), "_to");
        assert_eq!(camel_case("get_x2_y"), "getX2Y");
        assert_eq!(camel_case("a__b"), "aB");
    }

    #[test]
    fn selectors_match_known_values() {
        assert_eq!(
            selector("transfer(address,uint256)"),
            [0xa9, 0x05, 0x9c, 0xbb]
        );
        assert_eq!(selector("balanceOf(address)"), [0x70, 0xa0, 0x82, 0x31]);
        assert_eq!(selector("Error(string)"), [0x08, 0xc3, 0x79, 0xa0]);
    }

    #[test]
    fn json_params() {
        let ty: Type = syn::parse_str("Vec<(Address, Vec<U256>)>").unwrap();
        assert_eq!(
            map_type(&ty, false).unwrap().json_param("items", None),
            "{\"name\":\"items\",\"type\":\"tuple[]\",\"components\":[\
             {\"name\":\"\",\"type\":\"address\"},{\"name\":\"\",\"type\":\"uint256[]\"}]}"
        );
        let ty: Type = syn::parse_str("Address").unwrap();
        assert_eq!(
            map_type(&ty, false).unwrap().json_param("from", Some(true)),
            "{\"name\":\"from\",\"type\":\"address\",\"indexed\":true}"
        );
    }
}

//! `#[event]`: a struct → a Solidity event (signature, topic0, ABI JSON entry, `emit`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Fields, ItemStruct};

use crate::sol::{SolType, camel_case, json_escape, keccak256, map_type, signature_list};

pub(crate) fn expand(attr: TokenStream, mut item: ItemStruct) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new(
            attr.span(),
            "#[event] takes no arguments; mark indexed fields with #[indexed]",
        ));
    }
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new(
            item.generics.span(),
            "events cannot be generic",
        ));
    }
    let name = item.ident.unraw().to_string();
    let mut types = Vec::new();
    let mut json_inputs = Vec::new();
    let mut topics = Vec::new();
    let mut data = Vec::new();
    match &mut item.fields {
        Fields::Named(fields) => {
            for field in &mut fields.named {
                let mut indexed = false;
                let mut error = None;
                field.attrs.retain(|attr| {
                    if attr.path().is_ident("indexed") {
                        if let Err(e) = attr.meta.require_path_only() {
                            error = Some(e);
                        }
                        indexed = true;
                        false
                    } else {
                        true
                    }
                });
                if let Some(e) = error {
                    return Err(e);
                }
                let Some(ident) = field.ident.clone() else {
                    continue;
                };
                let sol: SolType = map_type(&field.ty, true)?;
                json_inputs
                    .push(sol.json_param(&camel_case(&ident.unraw().to_string()), Some(indexed)));
                types.push(sol);
                if indexed {
                    topics.push(quote! { ::rewasm_sdk::__private::Topic::to_topic(&self.#ident) });
                } else {
                    data.push(quote! { &self.#ident });
                }
            }
        }
        Fields::Unit => {}
        Fields::Unnamed(fields) => {
            return Err(syn::Error::new(
                fields.span(),
                "an event has named fields (they name the event's parameters)",
            ));
        }
    }
    if topics.len() > 3 {
        return Err(syn::Error::new(
            item.ident.span(),
            "an event has at most 3 #[indexed] fields",
        ));
    }
    let signature = format!("{name}({})", signature_list(&types));
    let topic0 = keccak256(signature.as_bytes());
    let json = format!(
        "{{\"type\":\"event\",\"name\":\"{}\",\"inputs\":[{}],\"anonymous\":false}}",
        json_escape(&name),
        json_inputs.join(",")
    );
    let ident = &item.ident;
    let topic_count = topics.len();
    Ok(quote! {
        #item

        impl ::rewasm_sdk::Event for #ident {
            const SIGNATURE: &'static str = #signature;
            const TOPIC0: [u8; 32] = [#(#topic0),*];
            const ABI_JSON: &'static str = #json;
            fn emit(&self) {
                let __topics: [[u8; 32]; #topic_count] = [#(#topics),*];
                let __data = ::rewasm_sdk::abi::encode(&(#(#data,)*));
                ::rewasm_sdk::emit_event(&<Self as ::rewasm_sdk::Event>::TOPIC0, &__topics, &__data);
            }
        }

        impl #ident {
            /// Emits this event as a Solidity-ABI log.
            pub fn emit(&self) {
                <Self as ::rewasm_sdk::Event>::emit(self)
            }
        }
    })
}

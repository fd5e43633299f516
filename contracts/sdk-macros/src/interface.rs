//! `#[interface]`: another contract's functions, declared as a trait, become a typed handle
//! that calls them (see `rewasm_sdk::interface`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, FnArg, ItemTrait, Lit, Meta, Pat, ReturnType, TraitItem, TraitItemFn};

use crate::sol::{camel_case, map_type, selector, signature_list};

/// The handle for `item`'s methods.
pub(crate) fn expand(attr: TokenStream, item: ItemTrait) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new(
            attr.span(),
            "#[interface] takes no arguments",
        ));
    }
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            item.generics.span(),
            "an interface has no generics",
        ));
    }
    let vis = &item.vis;
    let name = &item.ident;
    let docs = item.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let mut methods = Vec::new();
    let mut selectors = Vec::new();
    for member in &item.items {
        let TraitItem::Fn(function) = member else {
            return Err(syn::Error::new(
                member.span(),
                "an interface declares functions only",
            ));
        };
        let (tokens, selector) = method(vis, function)?;
        if selectors.contains(&selector) {
            return Err(syn::Error::new(
                function.sig.ident.span(),
                "two functions of the interface have the same selector",
            ));
        }
        selectors.push(selector);
        methods.push(tokens);
    }
    Ok(quote! {
        #(#docs)*
        ///
        /// A handle on a contract with this interface (`#[rewasm_sdk::interface]`): `at` names
        /// the contract, `with_gas` / `with_value` / `static_call` set how it is called, and
        /// each method calls the function of the same ABI name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #vis struct #name(::rewasm_sdk::interface::Callee);

        impl #name {
            /// Calls the contract at `address`, with all the gas and no value.
            #vis const fn at(address: ::rewasm_sdk::Address) -> Self {
                Self(::rewasm_sdk::interface::Callee::at(address))
            }

            /// The contract called.
            #vis const fn address(&self) -> ::rewasm_sdk::Address {
                self.0.address
            }

            /// Forwards at most `gas` to each call.
            #vis const fn with_gas(mut self, gas: u64) -> Self {
                self.0.gas = gas;
                self
            }

            /// Sends `value` with each call that is not static (`&mut self` methods).
            #vis const fn with_value(mut self, value: ::rewasm_sdk::U256) -> Self {
                self.0.value = value;
                self
            }

            /// Calls every method statically (`callStatic`): the callee cannot change state.
            #vis const fn static_call(mut self) -> Self {
                self.0.force_static = true;
                self
            }

            #(#methods)*
        }
    })
}

/// One method of the handle, and the selector it calls.
fn method(vis: &syn::Visibility, function: &TraitItemFn) -> syn::Result<(TokenStream, [u8; 4])> {
    let sig = &function.sig;
    if function.default.is_some() {
        return Err(syn::Error::new(
            sig.span(),
            "an interface function has no body",
        ));
    }
    const GENERATED: [&str; 5] = ["at", "address", "with_gas", "with_value", "static_call"];
    if GENERATED.contains(&sig.ident.unraw().to_string().as_str()) {
        return Err(syn::Error::new(
            sig.ident.span(),
            "the handle defines this name itself; declare the function under another Rust name \
             with #[name = \"...\"]",
        ));
    }
    if sig.asyncness.is_some() || sig.unsafety.is_some() || !sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            sig.span(),
            "an interface function is neither async, unsafe nor generic",
        ));
    }
    let mut read_only = None;
    let mut args = Vec::new();
    let mut types = Vec::new();
    let mut sol_types = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) if receiver.reference.is_some() => {
                read_only = Some(receiver.mutability.is_none());
            }
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new(
                    receiver.span(),
                    "take `&self` (a static call) or `&mut self` (a call), not `self`",
                ));
            }
            FnArg::Typed(typed) => {
                let Pat::Ident(ident) = &*typed.pat else {
                    return Err(syn::Error::new(typed.pat.span(), "name each argument"));
                };
                sol_types.push(map_type(&typed.ty, false)?);
                args.push(ident.ident.clone());
                types.push((*typed.ty).clone());
            }
        }
    }
    let read_only = read_only.ok_or_else(|| {
        syn::Error::new(
            sig.span(),
            "take `&self` (a static call) or `&mut self` (a call)",
        )
    })?;
    let output = match &sig.output {
        ReturnType::Default => quote! { () },
        ReturnType::Type(_, ty) => {
            map_type(ty, true)?;
            quote! { #ty }
        }
    };
    let sol_name =
        solidity_name(function)?.unwrap_or_else(|| camel_case(&sig.ident.unraw().to_string()));
    let signature = format!("{sol_name}({})", signature_list(&sol_types));
    let bytes = selector(&signature);
    let ident = &sig.ident;
    let docs = function.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let kind = if read_only {
        "A static call of"
    } else {
        "A call of"
    };
    let summary = format!("{kind} `{signature}`.");
    let arg_names: Vec<_> = args.iter().map(|arg| format_ident!("{}", arg)).collect();
    Ok((
        quote! {
            #(#docs)*
            #[doc = #summary]
            #vis fn #ident(&self, #(#arg_names: #types),*)
                -> ::core::result::Result<#output, ::rewasm_sdk::interface::CallError>
            {
                let data = ::rewasm_sdk::abi::encode_with_selector([#(#bytes),*], &(#(#arg_names,)*));
                self.0.call::<#output>(&data, #read_only)
            }
        },
        bytes,
    ))
}

/// The `#[name = "..."]` of a method, if it has one.
fn solidity_name(function: &TraitItemFn) -> syn::Result<Option<String>> {
    let mut name = None;
    for attr in &function.attrs {
        if !attr.path().is_ident("name") {
            continue;
        }
        match &attr.meta {
            Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => name = Some(text.value()),
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "expected #[name = \"solidityName\"]",
                    ));
                }
            },
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "expected #[name = \"solidityName\"]",
                ));
            }
        }
    }
    Ok(name)
}

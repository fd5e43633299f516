//! `#[contract]`: an `impl` block → the ABI dispatcher, the deploy entry and the ABI JSON.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Attribute, FnArg, ImplItem, ImplItemFn, ItemImpl, Pat, PathArguments, ReturnType, Type,
    Visibility,
};

use crate::sol::{SolType, camel_case, json_escape, map_type, selector, signature_list};

/// What `#[contract(...)]` says.
#[derive(Default)]
pub(crate) struct ContractArgs {
    /// Event types whose ABI entries join the contract's ABI JSON.
    pub events: Vec<syn::Path>,
}

impl ContractArgs {
    pub(crate) fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut args = ContractArgs::default();
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("events") {
                meta.parse_nested_meta(|event| {
                    args.events.push(event.path);
                    Ok(())
                })
            } else {
                Err(meta.error("expected `events(EventType, ...)`"))
            }
        });
        syn::parse::Parser::parse2(parser, attr)?;
        Ok(args)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Function,
    Constructor,
    Fallback,
    Receive,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Receiver {
    None,
    Ref,
    Mut,
}

struct Method {
    ident: syn::Ident,
    kind: Kind,
    sol_name: String,
    receiver: Receiver,
    payable: bool,
    inputs: Vec<(String, Type, SolType)>,
    /// The success type (the `T` of `Result<T, E>`), `None` for `()`.
    output: Option<Type>,
    outputs: Vec<SolType>,
    returns_result: bool,
    span: Span,
}

impl Method {
    fn state_mutability(&self) -> &'static str {
        match (self.kind, self.payable, self.receiver) {
            (Kind::Receive, _, _) | (_, true, _) => "payable",
            (Kind::Function, false, Receiver::None) => "pure",
            (Kind::Function, false, Receiver::Ref) => "view",
            _ => "nonpayable",
        }
    }

    fn signature(&self) -> String {
        let types: Vec<SolType> = self.inputs.iter().map(|(_, _, t)| t.clone()).collect();
        format!("{}({})", self.sol_name, signature_list(&types))
    }

    fn abi_json(&self) -> String {
        let inputs: Vec<String> = self
            .inputs
            .iter()
            .map(|(name, _, ty)| ty.json_param(name, None))
            .collect();
        let outputs: Vec<String> = self
            .outputs
            .iter()
            .map(|ty| ty.json_param("", None))
            .collect();
        let mutability = self.state_mutability();
        match self.kind {
            Kind::Function => format!(
                "{{\"type\":\"function\",\"name\":\"{}\",\"inputs\":[{}],\"outputs\":[{}],\
                 \"stateMutability\":\"{mutability}\"}}",
                json_escape(&self.sol_name),
                inputs.join(","),
                outputs.join(",")
            ),
            Kind::Constructor => format!(
                "{{\"type\":\"constructor\",\"inputs\":[{}],\"stateMutability\":\"{mutability}\"}}",
                inputs.join(",")
            ),
            Kind::Fallback => {
                format!("{{\"type\":\"fallback\",\"stateMutability\":\"{mutability}\"}}")
            }
            Kind::Receive => {
                format!("{{\"type\":\"receive\",\"stateMutability\":\"{mutability}\"}}")
            }
        }
    }
}

/// Removes the attributes `#[contract]` understands from a method and returns what they say.
struct MethodAttrs {
    kind: Kind,
    payable: bool,
    name: Option<String>,
}

fn take_method_attrs(attrs: &mut Vec<Attribute>) -> syn::Result<MethodAttrs> {
    let mut out = MethodAttrs {
        kind: Kind::Function,
        payable: false,
        name: None,
    };
    let mut kinds = 0;
    let mut error: Option<syn::Error> = None;
    attrs.retain(|attr| {
        let path = attr.path();
        let kind = if path.is_ident("constructor") {
            Some(Kind::Constructor)
        } else if path.is_ident("fallback") {
            Some(Kind::Fallback)
        } else if path.is_ident("receive") {
            Some(Kind::Receive)
        } else {
            None
        };
        if let Some(kind) = kind {
            out.kind = kind;
            kinds += 1;
            if let Err(e) = attr.meta.require_path_only() {
                error.get_or_insert(e);
            }
            return false;
        }
        if path.is_ident("payable") {
            out.payable = true;
            if let Err(e) = attr.meta.require_path_only() {
                error.get_or_insert(e);
            }
            return false;
        }
        if path.is_ident("name") {
            match attr.meta.require_name_value().map(|nv| &nv.value) {
                Ok(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })) => out.name = Some(s.value()),
                _ => {
                    error.get_or_insert(syn::Error::new(
                        attr.span(),
                        "expected #[name = \"solidityName\"]",
                    ));
                }
            }
            return false;
        }
        true
    });
    if let Some(e) = error {
        return Err(e);
    }
    if kinds > 1 {
        return Err(syn::Error::new(
            Span::call_site(),
            "a method can be only one of #[constructor], #[fallback], #[receive]",
        ));
    }
    Ok(out)
}

/// `Result<T, E>` → `Some(T)`.
fn result_ok_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    if args.args.len() != 2 {
        return None;
    }
    match args.args.first()? {
        syn::GenericArgument::Type(ok) => Some(ok),
        _ => None,
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

fn analyze(method: &mut ImplItemFn) -> syn::Result<Option<Method>> {
    let attrs = take_method_attrs(&mut method.attrs)?;
    if attrs.kind == Kind::Constructor {
        // A constructor is naturally called `new`, but takes `&mut self` and returns `()`.
        method
            .attrs
            .push(syn::parse_quote!(#[allow(clippy::new_ret_no_self)]));
    }
    let exported = attrs.kind != Kind::Function
        || matches!(method.vis, Visibility::Public(_))
        || attrs.payable
        || attrs.name.is_some();
    if !exported {
        return Ok(None);
    }
    let sig = &method.sig;
    if !sig.generics.params.is_empty() || sig.asyncness.is_some() || sig.variadic.is_some() {
        return Err(syn::Error::new(
            sig.span(),
            "contract functions cannot be generic, async or variadic",
        ));
    }
    let mut receiver = Receiver::None;
    let mut inputs = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => {
                if r.reference.is_none() {
                    return Err(syn::Error::new(
                        r.span(),
                        "take `&self` (view) or `&mut self` (state-changing), not `self`",
                    ));
                }
                receiver = if r.mutability.is_some() {
                    Receiver::Mut
                } else {
                    Receiver::Ref
                };
            }
            FnArg::Typed(typed) => {
                let name = match &*typed.pat {
                    Pat::Ident(ident) => camel_case(&ident.ident.unraw().to_string()),
                    _ => String::new(),
                };
                let sol = map_type(&typed.ty, false)?;
                inputs.push((name, (*typed.ty).clone(), sol));
            }
        }
    }
    let (output, returns_result) = match &sig.output {
        ReturnType::Default => (None, false),
        ReturnType::Type(_, ty) => match result_ok_type(ty) {
            Some(ok) => ((!is_unit(ok)).then(|| ok.clone()), true),
            None => ((!is_unit(ty)).then(|| (**ty).clone()), false),
        },
    };
    let outputs = match &output {
        None => Vec::new(),
        Some(ty) => match map_type(ty, true)? {
            SolType::Tuple(items) => items,
            single => vec![single],
        },
    };
    let sol_name = attrs
        .name
        .clone()
        .unwrap_or_else(|| camel_case(&sig.ident.unraw().to_string()));
    let m = Method {
        ident: sig.ident.clone(),
        kind: attrs.kind,
        sol_name,
        receiver,
        payable: attrs.payable,
        inputs,
        output,
        outputs,
        returns_result,
        span: sig.span(),
    };
    let fail = |message: &str| Err(syn::Error::new(m.span, message));
    match m.kind {
        Kind::Function => {
            if m.payable && m.receiver != Receiver::Mut {
                return fail("a #[payable] function changes state: take `&mut self`");
            }
        }
        Kind::Constructor => {
            if m.output.is_some() {
                return fail("a #[constructor] returns nothing (or Result<(), E>)");
            }
        }
        Kind::Receive => {
            if !m.inputs.is_empty() || m.output.is_some() || m.returns_result {
                return fail("#[receive] takes no arguments and returns nothing");
            }
        }
        Kind::Fallback => {
            let bytes = SolType::Elementary("bytes".into());
            let input_ok = m.inputs.is_empty()
                || (m.inputs.len() == 1 && m.inputs.first().map(|i| &i.2) == Some(&bytes));
            let output_ok =
                m.output.is_none() || (m.outputs.len() == 1 && m.outputs.first() == Some(&bytes));
            if !input_ok || !output_ok || m.returns_result {
                return fail(
                    "#[fallback] takes nothing or the call data (Vec<u8>), and returns nothing \
                     or raw output (Vec<u8>)",
                );
            }
        }
    }
    Ok(Some(m))
}

/// `let __this = Ty;` and the call expression for a method.
fn invoke(self_ty: &Type, m: &Method, args: TokenStream) -> TokenStream {
    let ident = &m.ident;
    match m.receiver {
        Receiver::None => quote! { <#self_ty>::#ident(#args) },
        Receiver::Ref => quote! { { let __this = #self_ty; __this.#ident(#args) } },
        Receiver::Mut => quote! { { let mut __this = #self_ty; __this.#ident(#args) } },
    }
}

/// Decodes the arguments of `m` from `params` (an expression for the encoded parameter list)
/// one by one, each through the SDK's `arg::<T>` (one function per argument type, shared by
/// every function that takes one, rather than a tuple decoder inlined into each arm), and
/// returns the argument list to pass. The heads follow one another as in the tuple's encoding,
/// so the errors and their order are the tuple decoder's.
fn decode_inputs(m: &Method, params: TokenStream) -> (TokenStream, TokenStream) {
    if m.inputs.is_empty() {
        return (TokenStream::new(), TokenStream::new());
    }
    let names: Vec<_> = (0..m.inputs.len())
        .map(|i| format_ident!("__arg{}", i))
        .collect();
    let mut head = quote! { 0usize };
    let mut lets = Vec::new();
    for ((_, ty, _), name) in m.inputs.iter().zip(&names) {
        lets.push(quote! {
            let #name: #ty = ::rewasm_sdk::__private::arg::<#ty>(__params, #head);
        });
        head = quote! { #head + <#ty as ::rewasm_sdk::abi::AbiType>::HEAD_SIZE };
    }
    (
        quote! { let __params: &[u8] = #params; #(#lets)* },
        quote! { #(#names),* },
    )
}

fn value_check(m: &Method) -> TokenStream {
    if m.payable || m.kind == Kind::Receive {
        TokenStream::new()
    } else {
        quote! { ::rewasm_sdk::__private::require_no_value(); }
    }
}

/// Runs a function and ends the frame with its ABI-encoded result.
fn function_arm(self_ty: &Type, m: &Method) -> TokenStream {
    let check = value_check(m);
    let (decode, args) = decode_inputs(m, quote! { ::rewasm_sdk::__private::args(&__calldata) });
    let call = invoke(self_ty, m, args);
    let finish = match (m.returns_result, m.output.is_some()) {
        (false, false) => quote! { #call; return; },
        (false, true) => quote! {
            let __ret = #call;
            ::rewasm_sdk::__private::finish_return(&__ret)
        },
        (true, false) => quote! {
            match #call {
                ::core::result::Result::Ok(()) => return,
                ::core::result::Result::Err(e) => ::rewasm_sdk::__private::revert_error(e),
            }
        },
        (true, true) => quote! {
            match #call {
                ::core::result::Result::Ok(v) => ::rewasm_sdk::__private::finish_return(&v),
                ::core::result::Result::Err(e) => ::rewasm_sdk::__private::revert_error(e),
            }
        },
    };
    quote! { #check #decode #finish }
}

pub(crate) fn expand(args: ContractArgs, mut item: ItemImpl) -> syn::Result<TokenStream> {
    if item.trait_.is_some() || !item.generics.params.is_empty() {
        return Err(syn::Error::new(
            item.span(),
            "#[contract] goes on an inherent, non-generic `impl` of a unit struct",
        ));
    }
    let self_ty = (*item.self_ty).clone();
    let mut methods = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for impl_item in &mut item.items {
        if let ImplItem::Fn(method) = impl_item {
            match analyze(method) {
                Ok(Some(m)) => methods.push(m),
                Ok(None) => {}
                Err(e) => match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                },
            }
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }

    let single = |kind: Kind, what: &str| -> syn::Result<Option<&Method>> {
        let mut found = methods.iter().filter(|m| m.kind == kind);
        let first = found.next();
        match found.next() {
            Some(second) => Err(syn::Error::new(
                second.span,
                format!("a contract has at most one {what}"),
            )),
            None => Ok(first),
        }
    };
    let constructor = single(Kind::Constructor, "#[constructor]")?;
    let fallback = single(Kind::Fallback, "#[fallback]")?;
    let receive = single(Kind::Receive, "#[receive]")?;

    // Dispatch arms, with a compile-time check for selector clashes.
    let mut arms = Vec::new();
    let mut seen: Vec<([u8; 4], String)> = Vec::new();
    for m in methods.iter().filter(|m| m.kind == Kind::Function) {
        let signature = m.signature();
        let sel = selector(&signature);
        if let Some((_, other)) = seen.iter().find(|(s, _)| *s == sel) {
            return Err(syn::Error::new(
                m.span,
                format!("`{signature}` has the same selector as `{other}`"),
            ));
        }
        seen.push((sel, signature.clone()));
        let sel = u32::from_be_bytes(sel);
        let body = function_arm(&self_ty, m);
        arms.push(quote! {
            ::core::option::Option::Some(#sel) => { #body }
        });
    }

    let receive_branch = receive.map(|m| {
        let call = invoke(&self_ty, m, TokenStream::new());
        quote! {
            if __calldata.is_empty() {
                #call;
                return;
            }
        }
    });
    let fallback_branch = match fallback {
        Some(m) => {
            let check = value_check(m);
            let args = if m.inputs.is_empty() {
                TokenStream::new()
            } else {
                quote! { __calldata }
            };
            let call = invoke(&self_ty, m, args);
            if m.output.is_some() {
                quote! { #check let __ret: ::rewasm_sdk::__private::Vec<u8> = #call; ::rewasm_sdk::eei::finish(&__ret) }
            } else {
                quote! { #check #call; }
            }
        }
        None => quote! { ::rewasm_sdk::revert_with("unknown selector") },
    };

    let deploy_body = match constructor {
        Some(m) => {
            let check = value_check(m);
            let (decode, args) = decode_inputs(m, quote! { &__calldata });
            let read = if m.inputs.is_empty() {
                TokenStream::new()
            } else {
                quote! { let __calldata = ::rewasm_sdk::eei::calldata(); }
            };
            let call = invoke(&self_ty, m, args);
            let run = if m.returns_result {
                quote! {
                    if let ::core::result::Result::Err(e) = #call {
                        ::rewasm_sdk::__private::revert_error(e)
                    }
                }
            } else {
                quote! { #call; }
            };
            quote! { #check #read #decode #run }
        }
        None => quote! { ::rewasm_sdk::__private::require_no_value(); },
    };

    // The ABI JSON: constructor, functions, fallback, receive, then the listed events.
    let mut parts: Vec<TokenStream> = Vec::new();
    let ordered = constructor
        .into_iter()
        .chain(methods.iter().filter(|m| m.kind == Kind::Function))
        .chain(fallback)
        .chain(receive);
    for m in ordered {
        let json = m.abi_json();
        parts.push(quote! { #json });
    }
    for event in &args.events {
        parts.push(quote_spanned! { event.span() => <#event as ::rewasm_sdk::Event>::ABI_JSON });
    }
    let mut joined = vec![quote! { "[" }];
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            joined.push(quote! { "," });
        }
        joined.push(part);
    }
    joined.push(quote! { "]" });

    let abi_parts = format_ident!("__REWASM_ABI_PARTS");
    let abi_len = format_ident!("__REWASM_ABI_LEN");
    let abi_static = format_ident!("__REWASM_ABI");

    Ok(quote! {
        #item

        const _: () = {
            const #abi_parts: &[&str] = &[#(#joined),*];
            const #abi_len: usize = ::rewasm_sdk::__private::total_len(#abi_parts);
            // The contract's ABI JSON: the `rewasm.abi` custom section on wasm32. Not `#[used]`:
            // rustc emits a link_section static on wasm both as the custom section and as a
            // global, and `#[used]` would keep a second copy in the data segment.
            #[cfg_attr(target_arch = "wasm32", unsafe(link_section = "rewasm.abi"))]
            static #abi_static: [u8; #abi_len] = ::rewasm_sdk::__private::concat::<#abi_len>(#abi_parts);

            impl ::rewasm_sdk::Contract for #self_ty {
                fn abi_json() -> &'static str {
                    ::rewasm_sdk::__private::as_str(&#abi_static)
                }

                #[allow(unreachable_code, clippy::diverging_sub_expression)]
                fn dispatch() {
                    let __calldata = ::rewasm_sdk::eei::calldata();
                    #receive_branch
                    match ::rewasm_sdk::__private::selector(&__calldata) {
                        #(#arms)*
                        _ => {}
                    }
                    #fallback_branch
                }

                #[allow(unreachable_code, clippy::diverging_sub_expression)]
                fn deploy() {
                    #deploy_body
                }
            }

            /// The contract's entry point (exported as `main`).
            #[cfg(target_arch = "wasm32")]
            #[unsafe(no_mangle)]
            pub extern "C" fn main() {
                <#self_ty as ::rewasm_sdk::Contract>::dispatch()
            }

            /// The constructor entry point: the init code `rewasm build` makes calls it, then
            /// finishes with the runtime code.
            #[cfg(target_arch = "wasm32")]
            #[unsafe(no_mangle)]
            pub extern "C" fn deploy() {
                <#self_ty as ::rewasm_sdk::Contract>::deploy()
            }
        };
    })
}

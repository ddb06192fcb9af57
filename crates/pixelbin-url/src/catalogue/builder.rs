//! The shape every generated builder and value enum shares, written once here as macros the
//! generated [`plugins`](crate::plugins) module invokes.

/// A builder for one operation: the struct (one text slot per parameter, in catalogue
/// order), its starting function, `spec`, `build`, `From` for
/// [`Transformation`](crate::Transformation) and `Display`. The parameter setters are
/// generated beside it.
macro_rules! operation_builder {
    (
        $(#[$doc:meta])*
        $ty:ident,
        $(#[$start_doc:meta])*
        $start:ident,
        $spec:path,
        $count:literal
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
        #[must_use]
        pub struct $ty {
            values: [Option<String>; $count],
        }

        $(#[$start_doc])*
        pub fn $start() -> $ty {
            $ty::default()
        }

        impl $ty {
            /// This operation in the catalogue.
            pub fn spec() -> &'static $crate::catalogue::OperationSpec {
                &$spec
            }

            /// The transformation, in the catalogue's parameter order.
            pub fn build(self) -> $crate::Transformation<'static> {
                Self::spec().transformation(self.values)
            }
        }

        impl<'a> From<$ty> for $crate::Transformation<'a> {
            fn from(op: $ty) -> Self {
                op.build()
            }
        }

        /// The pattern text, `plugin.operation(id:value,...)`.
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.clone().build(), f)
            }
        }
    };
}

/// The values of one enum parameter: the enum, `ALL`, `as_str`, `Display` and `FromStr`
/// (whose error names the operation, the parameter and the allowed values).
macro_rules! value_enum {
    (
        $(#[$doc:meta])*
        $name:ident ($operation:literal, $parameter:literal) {
            $($(#[$variant_doc:meta])* $variant:ident => $text:literal,)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$variant_doc])* $variant,)+
        }

        impl $name {
            /// Every value, in the catalogue's order.
            pub const ALL: &[$name] = &[$($name::$variant,)+];

            /// The value as the URL writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Reads the value as the URL writes it.
        impl ::std::str::FromStr for $name {
            type Err = $crate::catalogue::CatalogueError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == text)
                    .ok_or_else(|| $crate::catalogue::CatalogueError::InvalidValue {
                        operation: $operation.to_owned(),
                        parameter: $parameter,
                        value: text.to_owned(),
                        expected: $crate::catalogue::ParamType::Enum(&[$($text,)+]).expected(),
                    })
            }
        }
    };
}

pub(crate) use {operation_builder, value_enum};

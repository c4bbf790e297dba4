//! Enums stored and shown as fixed words (`"mutual_credit"`, `"open"`): one declaration gives
//! the enum, its words both ways, serde, the OpenAPI schema and every value for forms.

/// Declares an enum kept as text: `kernel::string_enum!(/** A poll's state. */ PollState {
/// Open = "open", Closed = "closed" });`. It derives serde and `utoipa::ToSchema` with the
/// given words, and adds `ALL`, `as_str`, `FromStr` (an error listing every word) and
/// `Display`. The crate needs `serde` and `utoipa` as dependencies.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::string::String;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!("must be one of: {}", [$($text),+].join(", "))),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::string_enum!(
        /// A test enum.
        Weather {
            Sunny = "sunny",
            LightRain = "light_rain",
        }
    );

    #[test]
    fn words_go_both_ways() {
        for w in Weather::ALL {
            assert_eq!(w.as_str().parse::<Weather>(), Ok(*w));
            assert_eq!(
                serde_json::to_value(w).unwrap(),
                serde_json::json!(w.as_str())
            );
        }
        assert_eq!(Weather::LightRain.to_string(), "light_rain");
        let err = "hail".parse::<Weather>().unwrap_err();
        assert_eq!(err, "must be one of: sunny, light_rain");
        assert!(serde_json::from_str::<Weather>("\"hail\"").is_err());
    }
}

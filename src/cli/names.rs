//! The closed sets of names the command line takes (`--severity`,
//! `--fail-on`, `--ca-class`, `--starttls`) as clap value enums. Each set's
//! names are derived once, beside its enum (strum: `VariantArray`,
//! `IntoStaticStr`, `EnumMessage`); this module only hands them to clap, so
//! `--help` lists exactly the names the parser accepts and the parser
//! accepts exactly the names the rest of certatlas writes.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::ValueEnum;
use strum::{EnumMessage, VariantArray};

use crate::inventory::ca::CaClass;
use crate::policy::Severity;
use crate::probe::Dialect;
use crate::scan::StartTlsMode;

/// Implements [`ValueEnum`] for enums whose names strum derives: every
/// variant (in declaration order), its name as the value, its other
/// accepted spellings (`serialize` attributes, e.g. `self-signed`) as
/// aliases.
macro_rules! derived_value_enum {
    ($($kind:ty),* $(,)?) => {$(
        impl ValueEnum for $kind {
            fn value_variants<'a>() -> &'a [Self] {
                <$kind as VariantArray>::VARIANTS
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                let name: &'static str = self.into();
                let aliases = self.get_serializations().iter().filter(|a| **a != name);
                Some(PossibleValue::new(name).aliases(aliases.copied()))
            }
        }
    )*};
}

derived_value_enum!(Severity, CaClass, Dialect);

/// `--starttls`: `auto`, `none` or a dialect's name (ASCII case ignored
/// when the argument sets `ignore_case`), as [`StartTlsMode::parse`] reads
/// it; help lists the same names.
pub fn starttls() -> impl TypedValueParser<Value = StartTlsMode> {
    let dialects = Dialect::VARIANTS.iter().map(|d| d.name());
    let names: Vec<&'static str> = ["auto", "none"].into_iter().chain(dialects).collect();
    PossibleValuesParser::new(names).try_map(|name| StartTlsMode::parse(&name.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Probe {
        #[arg(long, ignore_case = true)]
        severity: Option<Severity>,
        #[arg(long, ignore_case = true)]
        class: Option<CaClass>,
        #[arg(long, ignore_case = true, value_parser = starttls())]
        starttls: Option<StartTlsMode>,
    }

    fn parse(args: &[&str]) -> Result<Probe, clap::Error> {
        Probe::try_parse_from(std::iter::once("probe").chain(args.iter().copied()))
    }

    #[test]
    fn each_value_enum_offers_every_name_the_enum_derives() {
        for &severity in Severity::VARIANTS {
            let given = parse(&["--severity", severity.name()]).unwrap();
            assert_eq!(given.severity, Some(severity));
        }
        for &class in CaClass::VARIANTS {
            let given = parse(&["--class", class.name()]).unwrap();
            assert_eq!(given.class, Some(class));
        }
        for &dialect in Dialect::VARIANTS {
            let given = parse(&["--starttls", dialect.name()]).unwrap();
            assert_eq!(given.starttls, Some(StartTlsMode::Force(dialect)));
        }
    }

    #[test]
    fn spellings_kept_from_the_hand_written_parsers() {
        let given = parse(&["--severity", "HIGH", "--class", "self-signed"]).unwrap();
        assert_eq!(given.severity, Some(Severity::High));
        assert_eq!(given.class, Some(CaClass::SelfSigned));
        let given = parse(&["--starttls", "SMTP"]).unwrap();
        assert_eq!(given.starttls, Some(StartTlsMode::Force(Dialect::Smtp)));
        let given = parse(&["--starttls", "none"]).unwrap();
        assert_eq!(given.starttls, Some(StartTlsMode::Off));
        assert!(parse(&["--severity", "severe"]).is_err());
        assert!(parse(&["--starttls", "telnet"]).is_err());
    }

    #[test]
    fn help_lists_exactly_the_derived_names() {
        let help = <Probe as clap::CommandFactory>::command()
            .render_long_help()
            .to_string();
        for name in ["info", "critical", "self_signed", "auto", "none", "xmpp"] {
            assert!(help.contains(name), "{name} missing from\n{help}");
        }
        assert!(
            !help.contains("self-signed"),
            "aliases stay hidden:\n{help}"
        );
    }
}

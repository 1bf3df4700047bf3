//! The exception register as evidence of how exceptions are handled
//! (PKIMM `O.automation.exception-handling`: exceptions "approved and
//! documented"): of the declared exceptions, the share with an owner, a
//! reason and a review date that has not passed. It is read from the
//! config, so it moves when the register changes: organisational
//! evidence, which is what the requirement asks for. No exception
//! declared is unknown, not 100 %: an empty register shows nothing.

use time::Date;

use super::Metric;
use crate::exception::Exception;

/// The metric's id.
pub const ID: &str = "exceptions_documented";

/// The placeholder [`super::compute`] puts in until the register is read.
pub fn not_given() -> Metric {
    Metric::percent(ID, 0, 0, "no exception register was given to scoring")
}

/// The register's metric on `today`; subjects are the exceptions lacking
/// something, with what they lack.
pub fn exceptions_documented(exceptions: &[Exception], today: Date) -> Metric {
    let lacking: Vec<String> = exceptions
        .iter()
        .filter_map(|e| {
            let mut missing = Vec::new();
            if e.owner.as_deref().is_none_or(|o| o.trim().is_empty()) {
                missing.push("owner");
            }
            if e.reason.trim().is_empty() {
                missing.push("reason");
            }
            match e.review {
                None => missing.push("review date"),
                Some(review) if review < today => missing.push("review date passed"),
                Some(_) => {}
            }
            (!missing.is_empty()).then(|| format!("{}: {}", e.what, missing.join(", ")))
        })
        .collect();
    let total = exceptions.len() as u64;
    let documented = total - lacking.len() as u64;
    let why = "no exception declared: an empty register shows nothing of how exceptions are \
               handled";
    Metric::percent(ID, documented, total, why).with_subjects(lacking)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exception::ExceptionTarget;
    use time::macros::date;

    fn exception(owner: Option<&str>, reason: &str, review: Option<Date>) -> Exception {
        Exception {
            what: ExceptionTarget::Endpoint {
                host: "127.0.0.1".into(),
                port: 443,
            },
            owner: owner.map(str::to_string),
            reason: reason.into(),
            review,
            rules: Vec::new(),
        }
    }

    #[test]
    fn documented_exceptions_have_owner_reason_and_a_review_ahead() {
        let today = date!(2026 - 06 - 01);
        let register = [
            exception(Some("web"), "legacy appliance", Some(date!(2026 - 09 - 01))),
            exception(None, "legacy appliance", Some(date!(2026 - 09 - 01))),
            exception(Some("web"), "vendor", Some(date!(2026 - 05 - 01))),
            exception(Some("web"), "vendor", None),
        ];
        let m = exceptions_documented(&register, today);
        assert_eq!((m.numerator, m.denominator), (Some(1), Some(4)));
        assert_eq!(m.value, Some(25.0));
        assert_eq!(m.subjects.len(), 3);
        assert!(
            m.subjects[1].ends_with("review date passed"),
            "{:?}",
            m.subjects
        );
        let empty = exceptions_documented(&[], today);
        assert_eq!(empty.value, None);
    }
}

use super::*;
use serde_json::json;

fn schema() -> HashMap<&'static str, Json> {
    HashMap::from([
        (
            "leaf",
            json!({"days_left": 0, "key": {"bits": 0}, "endpoints": [{"port": 0}], "names": []}),
        ),
        ("now", json!("")),
    ])
}

fn compile(source: &str) -> Result<Expr, ExprError> {
    Expr::compile(source, &schema())
}

#[test]
fn known_paths_compile_and_evaluate() {
    let expr = compile("leaf.key.bits < 2048 && leaf.endpoints.exists(e, e.port == 443)")
        .expect("compiles");
    let bindings = Bindings::default();
    let model =
        json!({"days_left": 1, "key": {"bits": 1024}, "endpoints": [{"port": 443}], "names": []});
    let bound = bindings
        .bind("leaf", &model, "2026-06-01T12:00:00Z")
        .expect("binds");
    assert_eq!(bound.condition(&expr), Ok(true));
    let model = json!({"days_left": 1, "key": {"bits": 4096}, "endpoints": [], "names": []});
    let bound = bindings
        .bind("leaf", &model, "2026-06-01T12:00:00Z")
        .expect("binds");
    assert_eq!(bound.condition(&expr), Ok(false));
}

#[test]
fn syntax_errors_point_into_the_source() {
    let err = compile("leaf.days_left <").expect_err("incomplete");
    assert!(err.offset >= 14, "{err:?}");
    let err = compile("leaf.days_left\n  && ))").expect_err("second line");
    assert!(err.offset >= 15, "{err:?}");
}

#[test]
fn unknown_fields_and_variables_are_refused_with_their_position() {
    let err = compile("leaf.key.bitz < 2048").expect_err("typo");
    assert!(
        err.message.contains("bitz") && err.message.contains("bits"),
        "{}",
        err.message
    );
    assert!(err.offset <= 9, "{err:?}");
    let err =
        compile("leaf.endpoints.exists(e, e.prot == 443)").expect_err("typo in a comprehension");
    assert!(err.message.contains("prot"), "{}", err.message);
    let err = compile("leef.days_left < 0").expect_err("unknown variable");
    assert!(
        err.message.contains("leef") && err.message.contains("leaf"),
        "{}",
        err.message
    );
    assert_eq!(err.offset, 0);
    let err = compile("leaf.days_left.value > 0").expect_err("field of a number");
    assert!(err.message.contains("not an object"), "{}", err.message);
}

#[test]
fn run_time_errors_and_non_bool_results_are_reported() {
    let bindings = Bindings::default();
    let bound = bindings
        .bind("leaf", &json!({"days_left": "soon"}), "")
        .expect("binds");
    let err = bound
        .condition(&compile("leaf.days_left < 3").expect("compiles"))
        .expect_err("type");
    assert!(matches!(err, EvalError::Execution(_)), "{err}");
    let err = bound
        .condition(&compile("leaf.days_left").expect("compiles"))
        .expect_err("not bool");
    assert!(err.to_string().contains("soon"), "{err}");
    assert_eq!(
        bound.text(&compile("leaf.days_left + '!'").expect("compiles")),
        "soon!"
    );
}

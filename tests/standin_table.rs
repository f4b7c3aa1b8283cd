//! The stand-in keeps its own list of the operations it serves (it is a server, and
//! publishes without the SDK). Both lists describe the same Atlas operations, so they
//! must agree: a spec update that moves a version, a method or a sunset fails here
//! until the stand-in follows.

use atlas_snapshots::operations;
use atlas_snapshots_standin::Operation as Served;

#[test]
fn the_stand_in_serves_every_operation_of_the_table_as_the_table_says() {
    for op in operations::ALL {
        let served = Served::from_id(op.spec_id)
            .unwrap_or_else(|| panic!("the stand-in does not serve {}", op.spec_id));
        assert_eq!(served.method(), op.http_method, "{}", op.spec_id);
        assert_eq!(served.media_type(), op.media_type, "{}", op.spec_id);
        assert_eq!(served.version(), op.version, "{}", op.spec_id);
        assert_eq!(served.is_deprecated(), op.deprecated, "{}", op.spec_id);
        assert_eq!(served.sunset(), op.sunset, "{}", op.spec_id);
    }
}

#[test]
fn the_stand_in_serves_nothing_the_table_does_not_have() {
    for served in Served::all() {
        assert!(
            operations::ALL.iter().any(|op| op.spec_id == served.id()),
            "the stand-in serves {}, which the SDK does not vendor",
            served.id()
        );
    }
}

//! Set-ups the observability tests share.

use flowretail_sdk::sandbox::FlowRetailSandbox;
use flowretail_sdk::{CreateCustomerGroup, FlowRetailClient, GroupMembershipChange};

/// A client of `sandbox` whose group `vip` holds three customers: a walk
/// of it in pages of one reads three pages.
pub async fn flow_with_vip_group_of_three(sandbox: &FlowRetailSandbox) -> FlowRetailClient {
    let flow = sandbox.client().unwrap();
    let members = GroupMembershipChange::new().add_customers(sandbox.seed_customers(3));
    flow.customer_groups()
        .create(CreateCustomerGroup::new("VIP").uid("vip"))
        .await
        .unwrap();
    flow.customer_groups()
        .update_customers("vip", members)
        .await
        .unwrap();
    flow
}

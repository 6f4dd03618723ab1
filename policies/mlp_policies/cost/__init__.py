"""Cost rules: GPU types and capacity, scale-to-zero and spot, lifecycle tiering, budgets,
cost-allocation tags, volume types and data locality. One rule per module, as `RULE`."""

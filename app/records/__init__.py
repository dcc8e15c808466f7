"""The lifetime record: versioned record kinds sharing one create/amend/revoke/history flow."""

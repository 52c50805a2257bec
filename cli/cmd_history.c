/* SCAFFOLD: replaced by the module owner; not done. */

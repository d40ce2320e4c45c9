UPDATE roles SET permissions = 'view_contacts,add_contacts,edit_contacts,delete_contacts,view_private_contacts,add_notes,delete_notes,delete_own_notes,view_deals,add_deals,edit_deals,delete_deals,manage_deals,manage_contacts,import_contacts,export_contacts,edit_project,manage_members,add_project,manage_public_queries'
WHERE name = 'Manager'
  AND permissions = 'view_contacts,add_contacts,edit_contacts,delete_contacts,view_private_contacts,add_notes,delete_notes,delete_own_notes,view_deals,add_deals,edit_deals,delete_deals,manage_deals,manage_contacts,import_contacts,export_contacts,edit_project,manage_members,add_project,manage_public_queries,manage_webhooks';
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhooks;

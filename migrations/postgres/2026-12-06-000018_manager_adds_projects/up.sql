-- Redmine's default Manager role holds every permission, the global add_project (creating
-- projects) and manage_public_queries among them; the role seeded by migration 1 now does too.
-- Other roles, and a Manager whose permissions were changed since, are left as they are.
UPDATE roles SET permissions = permissions || ',add_project,manage_public_queries'
WHERE name = 'Manager'
  AND permissions = 'view_contacts,add_contacts,edit_contacts,delete_contacts,view_private_contacts,add_notes,delete_notes,delete_own_notes,view_deals,add_deals,edit_deals,delete_deals,manage_deals,manage_contacts,import_contacts,export_contacts,edit_project,manage_members';

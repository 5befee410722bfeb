// What the customer reads on the page, in each language, as the tests expect
// it (written out here, not taken from the page's own table, so a wrong or
// missing translation fails a test).
export interface Words {
  empty: string;
  connect: string;
  connectTitle: string;
  custom: string;
  url: string;
  notHttps: string;
  leadCreated: string;
  test: string;
  testOk: string;
  save: string;
  saved: string;
  copy: string;
  copied: string;
  close: string;
  active: string;
  disabled: string;
  tooManyFailures: string;
  log: string;
  delivered: string;
  details: string;
  attempt1: string;
  reactivate: string;
  reactivateTitle: string;
  replayed: RegExp;
  redeliver: string;
  redelivered: string;
  noToken: string;
}

export const EN: Words = {
  empty: "No integrations yet. Connect one to start receiving events.",
  connect: "+ Connect",
  connectTitle: "Connect an integration",
  custom: "Custom Webhook",
  url: "Webhook URL",
  notHttps: "The URL must start with https://",
  leadCreated: "Lead created",
  test: "Test webhook",
  testOk: "Your endpoint answered",
  save: "Save",
  saved: "Integration saved",
  copy: "Copy",
  copied: "Copied",
  close: "Close",
  active: "Active",
  disabled: "Disabled",
  tooManyFailures: "Too many failed deliveries in a row",
  log: "Delivery log",
  delivered: "Delivered",
  details: "Attempts",
  attempt1: "Attempt 1",
  reactivate: "Reactivate",
  reactivateTitle: "Reactivate this integration",
  replayed: /(\d+) missed events queued/,
  redeliver: "Redeliver",
  redelivered: "Delivery queued again",
  noToken: "This page needs an access token from your dashboard.",
};

export const ES: Words = {
  empty: "Aún no hay integraciones. Conecta una para empezar a recibir eventos.",
  connect: "+ Conectar",
  connectTitle: "Conectar una integración",
  custom: "Webhook Personalizado",
  url: "URL del webhook",
  notHttps: "La URL debe empezar por https://",
  leadCreated: "Prospecto creado",
  test: "Probar Webhook",
  testOk: "Tu endpoint respondió",
  save: "Guardar",
  saved: "Integración guardada",
  copy: "Copiar",
  copied: "Copiado",
  close: "Cerrar",
  active: "Activa",
  disabled: "Desactivada",
  tooManyFailures: "Demasiadas entregas fallidas seguidas",
  log: "Registro de entregas",
  delivered: "Entregado",
  details: "Intentos",
  attempt1: "Intento 1",
  reactivate: "Reactivar",
  reactivateTitle: "Reactivar esta integración",
  replayed: /(\d+) eventos perdidos en cola/,
  redeliver: "Reenviar",
  redelivered: "Entrega en cola de nuevo",
  noToken: "Esta página necesita un token de acceso de tu panel.",
};

variable "user_drain_timeout" {
  description = "Drain timeout of the user pool, in minutes."
  type        = number
  default     = 0
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-prod"
  location            = "westeurope"
  resource_group_name = "rg-aks-prod"
  dns_prefix          = "aks-prod"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4ds_v5"
    node_count = 3

    upgrade_settings {
      max_surge                     = "-1"
      drain_timeout_in_minutes      = 30
      node_soak_duration_in_minutes = 31
    }
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = "user"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  vm_size               = "Standard_D4ds_v5"
  node_count            = 4

  upgrade_settings {
    max_surge                = "33%"
    drain_timeout_in_minutes = var.user_drain_timeout
    undrainable_node_behavior = "Delete"
  }
}
